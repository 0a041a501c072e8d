package binlog

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// unsupportedType matches go-mysql's error for a column type it cannot decode.
var unsupportedType = regexp.MustCompile(`unsupport(?:ed)? type (?:in binlog )?(\d+)`)

// decodeError turns go-mysql's failure to decode an event into a fatal
// ErrUnsupportedEvent that says what it is, when it is one: retrying reads the
// same event again. Anything else comes back unchanged.
func decodeError(err error) error {
	if strings.Contains(err.Error(), "parse rows event panic") {
		return fmt.Errorf("%w: the binlog reader could not decode a rows event; tables whose TIME, DATETIME or "+
			"TIMESTAMP columns with fractions were created by MariaDB before 10.1 (or under "+
			"mysql56_temporal_format=OFF) are the known cause: ALTER TABLE ... FORCE on the primary rebuilds them in "+
			"the current format; then seed the standby again (%s)", ErrUnsupportedEvent, eventAt(err))
	}
	m := unsupportedType.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	what := "a column type the binlog reader cannot decode (type " + m[1] + ")"
	switch m[1] {
	case "140", "141":
		what = "a MariaDB COMPRESSED column (VARCHAR/TEXT/BLOB ... COMPRESSED), which the binlog reader cannot decode"
	}
	return fmt.Errorf("%w: the binlog holds rows of %s; --exclude cannot help, since every table's rows are "+
		"decoded before filters apply: change the column on the primary (e.g. ALTER TABLE ... MODIFY without "+
		"COMPRESSED), then seed the standby again (%s)", ErrUnsupportedEvent, what, eventAt(err))
}

// logPos finds the event's end position in go-mysql's dump of its header.
var logPos = regexp.MustCompile(`LogPos:0x([0-9a-f]+)`)

// eventAt says where the event go-mysql failed on lies, from its error, instead
// of the raw header and data dump that error carries.
func eventAt(err error) string {
	if m := logPos.FindStringSubmatch(err.Error()); m != nil {
		if pos, perr := strconv.ParseUint(m[1], 16, 32); perr == nil {
			return fmt.Sprintf("the event ending at position %d of the primary's binlog", pos)
		}
	}
	return shortened(err.Error(), 120)
}

func shortened(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// CompressedColumns lists the MariaDB COMPRESSED columns of db's user databases,
// as "schema.table.column": the binlog reader cannot decode their rows.
func CompressedColumns(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "+
		"WHERE COLUMN_TYPE LIKE '%COMPRESSED%' AND TABLE_SCHEMA NOT IN "+systemSchemasSQL+" ORDER BY 1, 2, 3")
	if err != nil {
		return nil, fmt.Errorf("list compressed columns: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s, t, c string
		if err := rows.Scan(&s, &t, &c); err != nil {
			return nil, fmt.Errorf("list compressed columns: %w", err)
		}
		out = append(out, s+"."+t+"."+c)
	}
	return out, rows.Err()
}

// CompressedProblem is the preflight problem for compressed columns.
func CompressedProblem(cols []string) (Problem, bool) {
	if len(cols) == 0 {
		return Problem{}, false
	}
	return Problem{SideSource, "column_compression",
		fmt.Sprintf("%d columns are COMPRESSED (MariaDB column compression): %s; the binlog reader cannot decode "+
			"their rows, whatever the table filters", len(cols), firstTen(cols)),
		"remove the compression on the primary: ALTER TABLE <table> MODIFY <column> <type without COMPRESSED>"}, true
}
