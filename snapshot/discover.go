package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// systemSchemas are never snapshotted: the server's own, and pilotlight's
// (its checkpoint describes the standby, not the data).
var systemSchemas = map[string]bool{
	"mysql": true, "information_schema": true, "performance_schema": true, "sys": true, "pilotlight": true,
}

// column is one stored (not generated) column of a table.
type column struct {
	name     string
	dataType string // information_schema DATA_TYPE, lower case
	charset  string // CHARACTER_SET_NAME, "" for non-character columns
}

// literal kinds: how a value read as text is written back.
const (
	kindQuoted = iota // '...' with the bytes escaped
	kindNumber        // digits as the server printed them
	kindBits          // BIT: raw bytes, written as a hex number
)

func (c column) kind() int {
	switch c.dataType {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric",
		"float", "double", "real", "double precision":
		return kindNumber
	case "bit":
		return kindBits
	}
	return kindQuoted
}

// tableInfo is what the snapshot needs to know of one base table.
type tableInfo struct {
	schema, name string
	columns      []column // stored columns, in table order
	key          []column // chunking key: primary key, or a unique key of NOT NULL columns; nil: none
	unsignedKey  bool     // the single-column integer key is unsigned
	dataLength   int64    // information_schema estimate, bytes
	rowsEstimate int64
	create       string // SHOW CREATE TABLE, read before the snapshot's point
}

func (t *tableInfo) qualified() string { return quoteIdent(t.schema) + "." + quoteIdent(t.name) }

// intKey reports whether the table is chunked on one integer column, which
// is split by value range instead of by walking the key.
func (t *tableInfo) intKey() bool {
	if len(t.key) != 1 {
		return false
	}
	switch t.key[0].dataType {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
		return true
	}
	return false
}

// Filter decides which tables are snapshotted; nil takes every user table.
type Filter func(schema, table string) bool

// discover lists the user schemas and their base tables that filter keeps,
// in name order. A schema is listed when filter keeps at least one of its
// tables or, having no tables, "schema.*".
func discover(ctx context.Context, db *sql.DB, filter Filter) ([]string, []*tableInfo, error) {
	keep := func(s, t string) bool { return filter == nil || filter(s, t) }
	rows, err := db.QueryContext(ctx, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME")
	if err != nil {
		return nil, nil, fmt.Errorf("list databases: %w", err)
	}
	var all []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("list databases: %w", err)
		}
		if !systemSchemas[strings.ToLower(s)] {
			all = append(all, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("list databases: %w", err)
	}

	tables, err := listTables(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	var schemas []string
	var out []*tableInfo
	for _, s := range all {
		n := 0
		for _, t := range tables[s] {
			if keep(s, t.name) {
				out = append(out, t)
				n++
			}
		}
		if n > 0 || (len(tables[s]) == 0 && keep(s, "*")) {
			schemas = append(schemas, s)
		}
	}
	if err := describeColumns(ctx, db, out); err != nil {
		return nil, nil, err
	}
	if err := describeKeys(ctx, db, out); err != nil {
		return nil, nil, err
	}
	return schemas, out, nil
}

func listTables(ctx context.Context, db *sql.DB) (map[string][]*tableInfo, error) {
	rows, err := db.QueryContext(ctx, "SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(DATA_LENGTH, 0), COALESCE(TABLE_ROWS, 0) "+
		"FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_SCHEMA, TABLE_NAME")
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	out := map[string][]*tableInfo{}
	for rows.Next() {
		t := &tableInfo{}
		if err := rows.Scan(&t.schema, &t.name, &t.dataLength, &t.rowsEstimate); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		out[t.schema] = append(out[t.schema], t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	return out, nil
}

// describeColumns fills the stored columns. Generated columns are left out:
// the server computes them again on load and refuses values for them.
func describeColumns(ctx context.Context, db *sql.DB, tables []*tableInfo) error {
	byName := index(tables)
	rows, err := db.QueryContext(ctx, "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, LOWER(DATA_TYPE), COALESCE(CHARACTER_SET_NAME, ''), EXTRA "+
		"FROM information_schema.COLUMNS ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION")
	if err != nil {
		return fmt.Errorf("list columns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s, tn, name, dt, cs, extra string
		if err := rows.Scan(&s, &tn, &name, &dt, &cs, &extra); err != nil {
			return fmt.Errorf("list columns: %w", err)
		}
		t := byName[s+"\x00"+tn]
		if t == nil || isGenerated(extra) {
			continue
		}
		t.columns = append(t.columns, column{name: name, dataType: dt, charset: cs})
	}
	return rows.Err()
}

// describeKeys picks each table's chunking key: the primary key, else the
// unique key with the fewest columns whose columns are all NOT NULL.
func describeKeys(ctx context.Context, db *sql.DB, tables []*tableInfo) error {
	byName := index(tables)
	rows, err := db.QueryContext(ctx, "SELECT s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME, s.COLUMN_NAME, c.IS_NULLABLE, c.COLUMN_TYPE "+
		"FROM information_schema.STATISTICS s JOIN information_schema.COLUMNS c "+
		"ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME "+
		"WHERE s.NON_UNIQUE = 0 AND s.SUB_PART IS NULL AND c.EXTRA NOT LIKE '%VIRTUAL GENERATED%' AND c.EXTRA NOT LIKE '%STORED GENERATED%' "+
		"ORDER BY s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME, s.SEQ_IN_INDEX")
	if err != nil {
		return fmt.Errorf("list keys: %w", err)
	}
	defer rows.Close()
	type key struct {
		cols     []string
		nullable bool
		unsigned bool
	}
	keys := map[*tableInfo]map[string]*key{}
	for rows.Next() {
		var s, tn, idx, col, nullable, ct string
		if err := rows.Scan(&s, &tn, &idx, &col, &nullable, &ct); err != nil {
			return fmt.Errorf("list keys: %w", err)
		}
		t := byName[s+"\x00"+tn]
		if t == nil {
			continue
		}
		if keys[t] == nil {
			keys[t] = map[string]*key{}
		}
		k := keys[t][idx]
		if k == nil {
			k = &key{}
			keys[t][idx] = k
		}
		k.cols = append(k.cols, col)
		k.nullable = k.nullable || nullable == "YES"
		k.unsigned = strings.Contains(strings.ToLower(ct), "unsigned")
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list keys: %w", err)
	}
	for _, t := range tables {
		best := keys[t]["PRIMARY"]
		if best == nil || best.nullable {
			best = nil
			names := make([]string, 0, len(keys[t]))
			for n := range keys[t] {
				names = append(names, n)
			}
			sort.Strings(names) // the same key on every run
			for _, n := range names {
				if k := keys[t][n]; !k.nullable && (best == nil || len(k.cols) < len(best.cols)) {
					best = k
				}
			}
		}
		if best == nil {
			continue
		}
		for _, name := range best.cols {
			for _, c := range t.columns {
				if c.name == name {
					t.key = append(t.key, c)
				}
			}
		}
		if len(t.key) != len(best.cols) {
			t.key = nil // a key column we cannot read: dump whole
			continue
		}
		t.unsignedKey = best.unsigned && len(t.key) == 1
	}
	return nil
}

// isGenerated reports whether a column's information_schema EXTRA marks it
// as a generated column (VIRTUAL GENERATED or STORED GENERATED on both
// flavors). MySQL 8's DEFAULT_GENERATED only means an expression default: such
// a column holds data like any other.
func isGenerated(extra string) bool {
	e := strings.ToUpper(extra)
	return strings.Contains(e, "VIRTUAL GENERATED") || strings.Contains(e, "STORED GENERATED")
}

func index(tables []*tableInfo) map[string]*tableInfo {
	m := make(map[string]*tableInfo, len(tables))
	for _, t := range tables {
		m[t.schema+"\x00"+t.name] = t
	}
	return m
}

// quoteIdent quotes a database, table or column name with backquotes.
func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
