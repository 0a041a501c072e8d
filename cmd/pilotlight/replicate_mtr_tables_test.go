package main

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// userTables lists the base tables (system-versioned ones included) of every database
// but the system ones and pilotlight's, as "db.table" with a quoted name for SQL.
func userTables(ctx context.Context, db *sql.DB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT table_schema, table_name FROM information_schema.tables
		WHERE table_type IN ('BASE TABLE', 'SYSTEM VERSIONED')
		AND table_schema NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys', 'pilotlight')`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	tables := map[string]string{}
	for rows.Next() {
		var schema, name string
		if err := rows.Scan(&schema, &name); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		tables[schema+"."+name] = quoteName(schema) + "." + quoteName(name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	return tables, nil
}

func quoteName(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// checksums runs CHECKSUM TABLE on each table: its checksum, "NULL" when the server could
// not read it (the reason is in the statement's warnings), or the statement's error.
func checksums(ctx context.Context, db *sql.DB, tables map[string]string, names []string) map[string]string {
	sums := map[string]string{}
	for _, n := range names {
		var table string
		var sum sql.NullInt64
		if err := db.QueryRowContext(ctx, "CHECKSUM TABLE "+tables[n]).Scan(&table, &sum); err != nil {
			sums[n] = "error: " + err.Error()
			continue
		}
		sums[n] = "NULL"
		if sum.Valid {
			sums[n] = fmt.Sprint(sum.Int64)
		}
	}
	return sums
}

// compareTables compares the set of user tables and the CHECKSUM TABLE of each on both
// sides. It returns every difference, one line each, and the number of tables compared.
func compareTables(ctx context.Context, primary, standby *sql.DB) ([]string, int, error) {
	ptables, err := userTables(ctx, primary)
	if err != nil {
		return nil, 0, fmt.Errorf("primary: %w", err)
	}
	stables, err := userTables(ctx, standby)
	if err != nil {
		return nil, 0, fmt.Errorf("standby: %w", err)
	}
	var diffs, both []string
	for _, n := range slices.Sorted(maps.Keys(ptables)) {
		if _, ok := stables[n]; ok {
			both = append(both, n)
		} else {
			diffs = append(diffs, n+": only on the primary")
		}
	}
	for _, n := range slices.Sorted(maps.Keys(stables)) {
		if _, ok := ptables[n]; !ok {
			diffs = append(diffs, n+": only on the standby")
		}
	}
	psums, ssums := checksums(ctx, primary, ptables, both), checksums(ctx, standby, stables, both)
	for _, n := range both {
		if psums[n] != ssums[n] {
			diffs = append(diffs, fmt.Sprintf("%s: CHECKSUM TABLE %s on the primary, %s on the standby", n, psums[n], ssums[n]))
		}
	}
	return diffs, len(both), nil
}
