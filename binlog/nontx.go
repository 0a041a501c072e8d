package binlog

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Non-transactional tables (MyISAM, Aria, MEMORY, CSV...) cannot be part of the
// standby transaction that moves the checkpoint: their rows are written at once
// and stay when the transaction rolls back. A crash (or a failed batch retried)
// between their write and the checkpoint's commit means their last changes are
// applied again on restart: a duplicate key that stops replication, or a row
// changed twice. They are applied at least once, not exactly once; a transaction
// that touches one is applied alone, so that only a crash can repeat it.

// transactionalEngines are the engines whose writes roll back with the checkpoint.
var transactionalEngines = map[string]bool{"innodb": true, "xtradb": true, "rocksdb": true, "tokudb": true,
	"ndbcluster": true, "ndb": true}

// isTransactional reports whether an engine's writes commit and roll back with the
// transaction ("" for a view or unknown: assumed transactional).
func isTransactional(engine string) bool {
	return engine == "" || transactionalEngines[strings.ToLower(engine)]
}

// NonTransactionalTables lists the base tables of db's user databases whose
// engine is not transactional, as "schema.table (ENGINE)", those selects keeps
// (nil: all).
func NonTransactionalTables(ctx context.Context, db *sql.DB, selects func(schema, table string) bool) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE FROM information_schema.TABLES "+
		"WHERE TABLE_TYPE = 'BASE TABLE' AND ENGINE IS NOT NULL AND TABLE_SCHEMA NOT IN "+systemSchemasSQL+
		" ORDER BY TABLE_SCHEMA, TABLE_NAME")
	if err != nil {
		return nil, fmt.Errorf("list table engines: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var schema, table, engine string
		if err := rows.Scan(&schema, &table, &engine); err != nil {
			return nil, fmt.Errorf("list table engines: %w", err)
		}
		if !isTransactional(engine) && (selects == nil || selects(schema, table)) {
			out = append(out, fmt.Sprintf("%s.%s (%s)", schema, table, engine))
		}
	}
	return out, rows.Err()
}

// NonTransactionalProblem is the preflight warning for tables (as
// NonTransactionalTables lists them); the zero Problem when there are none.
func NonTransactionalProblem(tables []string) (Problem, bool) {
	if len(tables) == 0 {
		return Problem{}, false
	}
	return Problem{SideSource, "engine",
		fmt.Sprintf("%d replicated tables are not transactional: %s; their rows cannot commit with the checkpoint, "+
			"so after a crash their last changes may be applied twice or stop replication (at-least-once, "+
			"not exactly-once)", len(tables), firstTen(tables)),
		"convert them: ALTER TABLE <table> ENGINE=InnoDB (on the primary; the standby follows)"}, true
}

// VersionedTables lists the system-versioned base tables of db's user databases
// (MariaDB WITH SYSTEM VERSIONING), as "schema.table", those selects keeps.
func VersionedTables(ctx context.Context, db *sql.DB, selects func(schema, table string) bool) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES "+
		"WHERE TABLE_TYPE = 'SYSTEM VERSIONED' AND TABLE_SCHEMA NOT IN "+systemSchemasSQL+" ORDER BY 1, 2")
	if err != nil {
		return nil, fmt.Errorf("list system-versioned tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var schema, table string
		if err := rows.Scan(&schema, &table); err != nil {
			return nil, fmt.Errorf("list system-versioned tables: %w", err)
		}
		if selects == nil || selects(schema, table) {
			out = append(out, schema+"."+table)
		}
	}
	return out, rows.Err()
}

// VersionedProblem is the preflight warning for system-versioned tables.
func VersionedProblem(tables []string) (Problem, bool) {
	if len(tables) == 0 {
		return Problem{}, false
	}
	return Problem{SideSource, "system_versioning",
		fmt.Sprintf("%d replicated tables are system-versioned (%s): replication stops when one is written, since "+
			"its history rows cannot be applied exactly", len(tables), strings.Join(tables, ", ")),
		"leave them out with --exclude, or remove their versioning (ALTER TABLE ... DROP SYSTEM VERSIONING)"}, true
}

// firstTen joins the first ten of names, saying how many more there are.
func firstTen(names []string) string {
	if len(names) > 10 {
		return strings.Join(names[:10], ", ") + fmt.Sprintf(", and %d more", len(names)-10)
	}
	return strings.Join(names, ", ")
}
