package binlog

import (
	"errors"
	"strings"
	"testing"
)

// TestStatementsInTheirSessionContext: statements whose result depends on the
// session they ran in (its timestamp, sql_mode, character set, time zone,
// auto-increment settings, key checks) and rows a non-strict session stored,
// streamed from an empty standby: every table and its definition end equal.
// Each case failed before session contexts were replayed (MariaDB's own
// type_datetime, view, partition and type_enum tests found them).
func TestStatementsInTheirSessionContext(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := newPair(t, ctx)
	c := env.session(t, ctx)
	env.exec(t, ctx, c,
		"CREATE DATABASE ctx CHARACTER SET latin1", "USE ctx",
		// the date part of TIME -> DATETIME comes from the statement's time
		"CREATE TABLE tm (id INT PRIMARY KEY, t TIME)", "INSERT INTO tm VALUES (1, '10:11:12'), (2, '23:59:59')",
		"SET timestamp = 978307200.25", "ALTER TABLE tm MODIFY t DATETIME(2)",
		// a column added to existing rows with the moment of the ALTER
		"CREATE TABLE seen (id INT PRIMARY KEY, v INT)", "INSERT INTO seen VALUES (1, 1), (2, 2)",
		"ALTER TABLE seen ADD COLUMN seen_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)",
		"SET timestamp = DEFAULT",
		// identifiers under ANSI_QUOTES
		"SET sql_mode = 'ANSI_QUOTES'", `CREATE TABLE "quoted" ("a b" INT, c VARCHAR(5) DEFAULT 'x')`,
		`CREATE VIEW "v" AS SELECT "a b" FROM "quoted"`, "SET sql_mode = DEFAULT",
		// a default written in latin1 by a latin1 client
		"SET NAMES latin1", "CREATE TABLE l1 (id INT PRIMARY KEY, c VARCHAR(8) DEFAULT 'Ã©t')",
		"INSERT INTO l1 (id) VALUES (1)", "SET NAMES utf8mb4",
		// a TIMESTAMP default given in the session's time zone
		"SET time_zone = '+05:00'", "CREATE TABLE tz (id INT PRIMARY KEY, d TIMESTAMP NOT NULL DEFAULT '2020-06-01 12:00:00')",
		"INSERT INTO tz (id) VALUES (1)", "SET time_zone = DEFAULT",
		// AUTO_INCREMENT numbering of existing rows follows the session's settings
		"CREATE TABLE ai (v INT)", "INSERT INTO ai VALUES (10), (20), (30)",
		"SET auto_increment_increment = 5, auto_increment_offset = 3",
		"ALTER TABLE ai ADD COLUMN id INT AUTO_INCREMENT PRIMARY KEY",
		"SET auto_increment_increment = 1, auto_increment_offset = 1",
		// a foreign key to a table created later
		"SET foreign_key_checks = 0",
		"CREATE TABLE child (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES parent (id)) ENGINE=InnoDB",
		"SET foreign_key_checks = 1", "CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB",
		// rows a non-strict session stored: the ENUM error value, a zero date
		"SET sql_mode = ''", "CREATE TABLE loose (id INT PRIMARY KEY, e ENUM('a','b'), d DATE, n TINYINT)",
		"INSERT INTO loose VALUES (1, 'zzz', '2001-02-30', 300), (2, 'b', '0000-00-00', -1)",
		"SET sql_mode = DEFAULT",
		// a table whose only columns are generated
		"CREATE TABLE gen (a INT AS (1 + 1) VIRTUAL)", "INSERT INTO gen () VALUES (), (), ()", "DELETE FROM gen LIMIT 1",
		// an ON UPDATE column updated twice in one second keeps the primary's time
		"CREATE TABLE onupd (id INT PRIMARY KEY, v INT, at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)",
		"SET timestamp = 1000000000", "INSERT INTO onupd (id, v) VALUES (1, 1)",
		"SET timestamp = 1000000005", "UPDATE onupd SET v = 2", "SET timestamp = DEFAULT",
		"UPDATE onupd SET at = at, v = 3",
	)
	if err := env.apply(t, ctx, apConfig); err != nil {
		t.Fatal(err)
	}
	env.equal(t, ctx, "ctx")
	if p, s := showCreate(t, ctx, env.pdb, "VIEW", "ctx.v"), showCreate(t, ctx, env.sroot, "VIEW", "ctx.v"); p != s {
		t.Errorf("view: primary %s, standby %s", p, s)
	}
	var d string
	if err := env.sroot.QueryRowContext(ctx, "SELECT MIN(t) FROM ctx.tm").Scan(&d); err != nil || !strings.HasPrefix(d, "2001-01-01") {
		t.Errorf("TIME -> DATETIME on the standby: %q (%v), want the statement's date 2001-01-01", d, err)
	}
}

// TestStatementDMLStops: a session that switches to statement-based logging
// writes no row images; applying stops at that transaction with a clear error,
// and the checkpoint stays before it.
func TestStatementDMLStops(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := newPair(t, ctx)
	c := env.session(t, ctx)
	env.exec(t, ctx, c, "CREATE DATABASE sbr", "CREATE TABLE sbr.t (id INT PRIMARY KEY)", "INSERT INTO sbr.t VALUES (1)")
	before := env.last(t, ctx)
	env.exec(t, ctx, c, "SET SESSION binlog_format = 'STATEMENT'", "INSERT INTO sbr.t VALUES (2)")
	err := env.apply(t, ctx, apConfig)
	if !errors.Is(err, ErrStatementDML) {
		t.Fatalf("apply: %v, want ErrStatementDML", err)
	}
	for _, want := range []string{"INSERT", "`sbr`.`t`", "binlog_format", "--exclude"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if got := env.checkpoint(t, ctx); !got.Equal(mustGTIDs(t, "mariadb", before)) {
		t.Errorf("checkpoint %s, want %s (the transaction before)", got, before)
	}
	if classify(err) != fatalError {
		t.Errorf("a statement-based row change is not fatal: %v", classify(err))
	}
}
