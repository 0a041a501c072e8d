package testenv

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"
)

func TestNewMariaDBOptions(t *testing.T) {
	t.Parallel()
	m := NewMariaDB(t, WithServerID(77), WithGTIDDomain(9),
		WithArgs("--binlog-row-metadata=FULL", "--max-binlog-size=8192"))
	shared := MariaDBPrimary(t)
	if m.Port == shared.Port || m.DataDir == shared.DataDir || m.ServerID != 77 {
		t.Fatalf("private server %+v is not its own instance (shared %+v)", m.MySQLServer, shared)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db := openDB(t, m.DSN(""))
	var logBin, serverID, domain, maxSize int
	var format, image, slaveUpdates, metadata, skipResolve string
	err := db.QueryRowContext(ctx, "SELECT @@log_bin, @@server_id, @@gtid_domain_id, @@max_binlog_size, "+
		"@@binlog_format, @@binlog_row_image, @@log_slave_updates, @@binlog_row_metadata, @@skip_name_resolve").
		Scan(&logBin, &serverID, &domain, &maxSize, &format, &image, &slaveUpdates, &metadata, &skipResolve)
	if err != nil {
		t.Fatal(err)
	}
	if logBin != 1 || serverID != 77 || domain != 9 || maxSize != 8192 || format != "ROW" || image != "FULL" ||
		slaveUpdates != "1" || metadata != "FULL" || skipResolve != "1" {
		t.Fatalf("log_bin=%d server_id=%d gtid_domain_id=%d max_binlog_size=%d binlog_format=%s binlog_row_image=%s "+
			"log_slave_updates=%s binlog_row_metadata=%s skip_name_resolve=%s", logBin, serverID, domain, maxSize,
			format, image, slaveUpdates, metadata, skipResolve)
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if pos := gtidPos(ctx, t, db); !strings.HasPrefix(pos, "9-77-") {
		t.Errorf("gtid_binlog_pos %q after a write, want 9-77-N", pos)
	}
}

func TestNewMariaDBDefaultServerIDsDiffer(t *testing.T) {
	t.Parallel()
	a, b := NewMariaDB(t), NewMariaDB(t)
	if a.ServerID == b.ServerID || a.Port == b.Port || a.Dir() == b.Dir() {
		t.Fatalf("two private servers share an id, port or directory: %+v %+v", a.MySQLServer, b.MySQLServer)
	}
	var id int
	if err := openDB(t, b.DSN("")).QueryRow("SELECT @@server_id").Scan(&id); err != nil || id != b.ServerID {
		t.Fatalf("server_id %d, %v; want %d", id, err, b.ServerID)
	}
}

// TestMariaDBRestartWithClientsConnected restarts while a client holds an open transaction
// and another is idle: the clean stop ends both sessions, the server comes back on the same
// port with the committed data and without the uncommitted row.
func TestMariaDBRestartWithClientsConnected(t *testing.T) {
	t.Parallel()
	m := NewMariaDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	db := openDB(t, m.DSN(""))
	mustExec(t, ctx, db, "CREATE DATABASE d", "CREATE TABLE d.t (id INT PRIMARY KEY)", "INSERT INTO d.t VALUES (1)")
	idle, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO d.t VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	pid, port := m.PID(), m.Port

	m.Restart(t)
	if !m.Running() || m.PID() == pid || m.PID() == 0 || m.Port != port {
		t.Fatalf("after Restart: running=%v pid %d (was %d) port %d (was %d)", m.Running(), m.PID(), pid, m.Port, port)
	}
	if err := tx.Commit(); err == nil {
		t.Fatal("a transaction open across the restart committed")
	}
	if err := idle.PingContext(ctx); err == nil {
		t.Fatal("a session from before the restart still answers")
	}
	if ids := rowIDs(t, ctx, db); ids != "1" {
		t.Fatalf("rows after a clean restart: %q, want 1", ids)
	}
	if !strings.Contains(readFile(t, m.LogPath()), "Shutdown complete") {
		t.Errorf("the server log shows no clean shutdown:\n%s", logTail(m.LogPath(), 20))
	}
}

// TestMariaDBKillAndStart: a SIGKILL loses nothing committed (crash recovery on Start).
func TestMariaDBKillAndStart(t *testing.T) {
	t.Parallel()
	m := NewMariaDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	db := openDB(t, m.DSN(""))
	mustExec(t, ctx, db, "CREATE DATABASE d", "CREATE TABLE d.t (id INT PRIMARY KEY)",
		"INSERT INTO d.t VALUES (1)", "INSERT INTO d.t VALUES (2)")
	before := gtidPos(ctx, t, db)

	m.Kill(t)
	if m.Running() || m.PID() != 0 {
		t.Fatalf("after Kill: running=%v pid %d", m.Running(), m.PID())
	}
	if err := m.check(ctx); err == nil {
		t.Fatal("a killed server answers")
	}
	m.Start(t)
	if ids := rowIDs(t, ctx, db); ids != "1,2" {
		t.Fatalf("rows after kill and start: %q, want 1,2", ids)
	}
	if after := gtidPos(ctx, t, db); after != before {
		t.Errorf("gtid_binlog_pos %q after crash recovery, want %q", after, before)
	}
	m.Stop(t)
	if m.Running() {
		t.Fatal("running after Stop")
	}
}

func mustExec(t *testing.T, ctx context.Context, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func rowIDs(t *testing.T, ctx context.Context, db *sql.DB) string {
	t.Helper()
	var ids sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT GROUP_CONCAT(id ORDER BY id) FROM d.t").Scan(&ids); err != nil {
		t.Fatal(err)
	}
	return ids.String
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
