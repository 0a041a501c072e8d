package binlog

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// standbyColumn is what the applier needs to know of one column of a standby table.
type standbyColumn struct {
	name      string
	generated bool // VIRTUAL or STORED generated: never written
	onUpdate  bool // ON UPDATE CURRENT_TIMESTAMP: always written by an UPDATE, or the standby stamps its own time
	primary   bool
	dataType  string // information_schema DATA_TYPE, lower case
	unsigned  bool   // an UNSIGNED numeric column (COLUMN_TYPE)
	charset   string // CHARACTER_SET_NAME; "" for non-character columns
	collation string // COLLATION_NAME; "" for non-character columns
}

// standbyTable is a standby table's columns in ordinal order, and its unique keys
// (the primary key first) as column positions, for conflict tracking.
type standbyTable struct {
	name    string // `schema`.`table`, quoted
	columns []standbyColumn
	byName  map[string]int
	hasPK   bool
	uniques []uniqueKey
	// transactional is false for MyISAM, Aria, MEMORY...: see nontx.go.
	transactional bool
	engine        string
	versioned     bool // WITH SYSTEM VERSIONING (MariaDB): refused, see planner.rows
	// hidden is the number of MariaDB long-unique hash columns (DB_ROW_HASH_n,
	// one per UNIQUE ... USING HASH on a disk engine): information_schema does
	// not list them, but the binlog's row images carry them, last.
	hidden int
}

// uniqueKey is one unique index of a standby table.
type uniqueKey struct {
	name    string
	columns []int // positions in standbyTable.columns
}

// queryer is what loadStandbyTable reads through: a *sql.Tx or a *sql.Conn.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// loadStandbyTable reads a table's columns from the standby's information_schema.
// Generated columns are recognised by EXTRA (VIRTUAL/STORED/PERSISTENT GENERATED),
// not by a bare "GENERATED", which MySQL 8 also shows for expression defaults.
func loadStandbyTable(ctx context.Context, q queryer, schema, table string) (*standbyTable, error) {
	rows, err := q.QueryContext(ctx, "SELECT COLUMN_NAME, EXTRA, COLUMN_KEY, DATA_TYPE, "+
		"COALESCE(CHARACTER_SET_NAME, ''), COALESCE(COLLATION_NAME, ''), COLUMN_TYPE LIKE '%unsigned%' "+
		"FROM information_schema.COLUMNS "+
		"WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", schema, table)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s.%s on the standby: %w", schema, table, err)
	}
	defer rows.Close()
	t := &standbyTable{byName: map[string]int{}}
	for rows.Next() {
		var c standbyColumn
		var extra, key string
		if err := rows.Scan(&c.name, &extra, &key, &c.dataType, &c.charset, &c.collation, &c.unsigned); err != nil {
			return nil, fmt.Errorf("read columns of %s.%s on the standby: %w", schema, table, err)
		}
		extra = strings.ToUpper(extra)
		c.generated = strings.Contains(extra, "VIRTUAL GENERATED") || strings.Contains(extra, "STORED GENERATED") ||
			strings.Contains(extra, "PERSISTENT GENERATED")
		c.onUpdate = strings.Contains(extra, "ON UPDATE")
		c.primary = key == "PRI"
		c.dataType = strings.ToLower(c.dataType)
		t.hasPK = t.hasPK || c.primary
		t.byName[strings.ToLower(c.name)] = len(t.columns)
		t.columns = append(t.columns, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read columns of %s.%s on the standby: %w", schema, table, err)
	}
	if len(t.columns) == 0 {
		return nil, fmt.Errorf("%w: table %s.%s does not exist on the standby (create it, or leave it out with --exclude)",
			ErrSchemaMismatch, schema, table)
	}
	t.name = quoteIdent(schema) + "." + quoteIdent(table)
	if err := t.loadUniques(ctx, q, schema, table); err != nil {
		return nil, err
	}
	if err := t.loadEngine(ctx, q, schema, table); err != nil {
		return nil, err
	}
	if err := t.loadHidden(ctx, q, schema, table); err != nil {
		return nil, err
	}
	return t, nil
}

// loadEngine reads the table's storage engine.
func (t *standbyTable) loadEngine(ctx context.Context, q queryer, schema, table string) error {
	rows, err := q.QueryContext(ctx, "SELECT COALESCE(ENGINE, ''), TABLE_TYPE = 'SYSTEM VERSIONED' FROM information_schema.TABLES "+
		"WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", schema, table)
	if err != nil {
		return fmt.Errorf("read the engine of %s.%s on the standby: %w", schema, table, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&t.engine, &t.versioned); err != nil {
			return fmt.Errorf("read the engine of %s.%s on the standby: %w", schema, table, err)
		}
	}
	t.transactional = isTransactional(t.engine)
	return rows.Err()
}

// loadHidden counts the table's long-unique hash keys (see standbyTable.hidden);
// MEMORY tables' HASH indexes are ordinary ones.
func (t *standbyTable) loadHidden(ctx context.Context, q queryer, schema, table string) error {
	if strings.EqualFold(t.engine, "MEMORY") || strings.EqualFold(t.engine, "HEAP") {
		return nil
	}
	rows, err := q.QueryContext(ctx, "SELECT COUNT(DISTINCT INDEX_NAME) FROM information_schema.STATISTICS "+
		"WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_TYPE = 'HASH' AND NON_UNIQUE = 0", schema, table)
	if err != nil {
		return fmt.Errorf("read the hash keys of %s.%s on the standby: %w", schema, table, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&t.hidden); err != nil {
			return fmt.Errorf("read the hash keys of %s.%s on the standby: %w", schema, table, err)
		}
	}
	return rows.Err()
}

// isHiddenHash reports whether a binlog column is one of the table's hidden
// long-unique hash columns: named DB_ROW_HASH_n, or, unnamed, one of the last
// t.hidden columns of an image that has that many more than the standby lists.
func (t *standbyTable) isHiddenHash(c ColumnMeta, i, n int) bool {
	if t.hidden == 0 {
		return false
	}
	if c.Name != "" {
		_, listed := t.byName[strings.ToLower(c.Name)]
		return !listed && strings.HasPrefix(strings.ToUpper(c.Name), "DB_ROW_HASH_")
	}
	return n == len(t.columns)+t.hidden && i >= len(t.columns) // images may also lack them: see bind
}

// loadUniques reads the table's unique indexes (PRIMARY first).
func (t *standbyTable) loadUniques(ctx context.Context, q queryer, schema, table string) error {
	rows, err := q.QueryContext(ctx, "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "+
		"WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 "+
		"ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX", schema, table)
	if err != nil {
		return fmt.Errorf("read unique keys of %s.%s on the standby: %w", schema, table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var index, column string
		if err := rows.Scan(&index, &column); err != nil {
			return fmt.Errorf("read unique keys of %s.%s on the standby: %w", schema, table, err)
		}
		pos, ok := t.byName[strings.ToLower(column)]
		if !ok {
			continue // an index on an expression
		}
		if n := len(t.uniques); n == 0 || t.uniques[n-1].name != index {
			t.uniques = append(t.uniques, uniqueKey{name: index})
		}
		u := &t.uniques[len(t.uniques)-1]
		u.columns = append(u.columns, pos)
	}
	return rows.Err()
}

// boundColumn pairs a column of a Rows event with the standby column it writes.
type boundColumn struct {
	index  int // position in the row image
	meta   ColumnMeta
	target standbyColumn
	binary bool // BINARY(n): pad
}

// bind matches the event's columns to the standby's, by name when the source logs
// binlog_row_metadata=FULL, else by position (the standby table must then have the
// source's column order). It returns the writable (non-generated) columns.
func (t *standbyTable) bind(schema, table string, cols []ColumnMeta) ([]boundColumn, error) {
	out := make([]boundColumn, 0, len(cols))
	for i, c := range cols {
		if t.isHiddenHash(c, i, len(cols)) {
			continue // computed by the standby from the columns it hashes
		}
		j := i
		if c.Name != "" {
			var ok bool
			if j, ok = t.byName[strings.ToLower(c.Name)]; !ok {
				return nil, fmt.Errorf("%w: column %s.%s.%s of the binlog is missing on the standby", ErrSchemaMismatch, schema, table, c.Name)
			}
		} else if i >= len(t.columns) || len(cols) != len(t.columns) && len(cols) != len(t.columns)+t.hidden {
			return nil, fmt.Errorf("%w: table %s.%s: the binlog has %d unnamed columns, the standby %d "+
				"(make both tables alike, or set binlog_row_metadata=FULL on the source to match columns by name)",
				ErrSchemaMismatch, schema, table, len(cols), len(t.columns))
		}
		sc := t.columns[j]
		if sc.generated {
			continue
		}
		// Without binlog_row_metadata (MariaDB's default NO_LOG) the binlog does not
		// say which integers are unsigned: the standby's column, as it was when the
		// row was written (DDL is applied in order), does.
		c.Unsigned = c.Unsigned || sc.unsigned
		out = append(out, boundColumn{index: i, meta: c, target: sc, binary: isBinaryString(c, sc.dataType)})
	}
	// A table whose columns are all generated has no writable column: its rows
	// are all alike, inserted as () and deleted one at a time (see planner.rows).
	return out, nil
}

// positions maps each standby column position to its position in the event's row
// images (-1 when the image lacks it), matching like bind: by name when the binlog
// has names, else by position.
func (t *standbyTable) positions(cols []ColumnMeta) []int {
	pos := make([]int, len(t.columns))
	for i := range pos {
		pos[i] = -1
	}
	for i, c := range cols {
		j := i
		if c.Name != "" {
			var ok bool
			if j, ok = t.byName[strings.ToLower(c.Name)]; !ok {
				continue
			}
		}
		if j < len(pos) {
			pos[j] = i
		}
	}
	return pos
}
