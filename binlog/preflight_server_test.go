package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

func pfOpen(t *testing.T, ctx context.Context, dsn string) (*sql.DB, mysqlx.Server) {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv, err := mysqlx.DetectFlavor(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return db, srv
}

func pfExec(t *testing.T, ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func pfCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestPreflightWellConfigured(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	pdb, psrv := pfOpen(t, ctx, testenv.MariaDBPrimary(t).DSN(""))
	sdb, ssrv := pfOpen(t, ctx, testenv.MariaDBStandby(t).DSN(""))
	r, err := CheckSource(ctx, pdb, psrv)
	if err != nil || r.Err() != nil {
		t.Fatalf("CheckSource: %v / %v", err, r.Err())
	}
	t.Logf("source warnings: %v", r.Warnings)
	r, err = CheckStandby(ctx, sdb, ssrv, psrv, "shop")
	if err != nil || r.Err() != nil {
		t.Fatalf("CheckStandby: %v / %v", err, r.Err())
	}
	if ps := ServerIDProblems(DefaultServerID("preflight"), psrv, ssrv); len(ps) > 0 {
		t.Errorf("ServerIDProblems: %v", ps)
	}
	if err := CheckStartAvailable(ctx, pdb, psrv, psrv.GTIDExecuted); err != nil {
		t.Errorf("CheckStartAvailable(current position): %v", err)
	}
}

func TestPreflightSelectOnlyUser(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	primary := testenv.MariaDBPrimary(t)
	root, _ := pfOpen(t, ctx, primary.DSN(""))
	user := fmt.Sprintf("pf_ro_%d", time.Now().UnixNano()%1e9)
	pfExec(t, ctx, root, "CREATE USER '"+user+"'@'%' IDENTIFIED BY 'pw'", "GRANT SELECT ON *.* TO '"+user+"'@'%'")
	t.Cleanup(func() { root.ExecContext(context.Background(), "DROP USER '"+user+"'@'%'") })

	cfg, err := mysql.ParseDSN(primary.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd = user, "pw"
	db, srv := pfOpen(t, ctx, cfg.FormatDSN())
	r, err := CheckSource(ctx, db, srv)
	if err != nil {
		t.Fatal(err)
	}
	want := "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '" + user + "'@'%';"
	if r.Err() == nil || !strings.Contains(r.Err().Error(), want) {
		t.Fatalf("want a problem naming %q, got %v", want, r.Err())
	}
	r, err = CheckStandby(ctx, db, srv, mysqlx.Server{Flavor: srv.Flavor, Version: srv.Version, ServerID: srv.ServerID + 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Err() == nil || !strings.Contains(r.Err().Error(), "lacks INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX on *.*") {
		t.Fatalf("standby with SELECT only: %v", r.Err())
	}
}

// TestPreflightBadBinlogSettings changes global settings on the standby instance
// (not the primary, whose binlog other tests stream), only for the instant it takes
// to read them back; new connections in between would log statements.
func TestPreflightBadBinlogSettings(t *testing.T) {
	ctx := pfCtx(t)
	db, _ := pfOpen(t, ctx, testenv.MariaDBStandby(t).DSN(""))
	restore := func() {
		pfExec(t, context.Background(), db, "SET GLOBAL binlog_format='ROW'", "SET GLOBAL binlog_row_image='FULL'")
	}
	t.Cleanup(restore)
	pfExec(t, ctx, db, "SET GLOBAL binlog_format='STATEMENT'", "SET GLOBAL binlog_row_image='MINIMAL'")
	srv, err := mysqlx.DetectFlavor(ctx, db)
	restore()
	if err != nil {
		t.Fatal(err)
	}
	r, err := CheckSource(ctx, db, srv)
	if err != nil {
		t.Fatal(err)
	}
	msg := fmt.Sprint(r.Err())
	for _, want := range []string{"binlog_format is STATEMENT", "SET GLOBAL binlog_format='ROW'",
		"binlog_row_image is MINIMAL", "SET GLOBAL binlog_row_image='FULL'"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

// TestPreflightPurgedBinlogs purges binlogs on the standby instance (which logs its
// own writes too): no test streams from the standby's binlog, whereas other tests
// stream from the primary's. Its writes use GTID domain 77 so that they do not move
// domain 0, which other tests follow.
func TestPreflightPurgedBinlogs(t *testing.T) {
	ctx := pfCtx(t)
	db, srv := pfOpen(t, ctx, testenv.MariaDBStandby(t).DSN(""))
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const schema = "pf_purge"
	pfExec(t, ctx, conn, "SET SESSION gtid_domain_id=77",
		"DROP DATABASE IF EXISTS "+schema, "CREATE DATABASE "+schema,
		"CREATE TABLE "+schema+".t (id INT PRIMARY KEY AUTO_INCREMENT, v INT)")
	t.Cleanup(func() {
		db.ExecContext(context.Background(), "SET SESSION gtid_domain_id=77; DROP DATABASE IF EXISTS "+schema)
	})
	insert := func(n int) {
		for i := 0; i < n; i++ {
			pfExec(t, ctx, conn, "INSERT INTO "+schema+".t (v) VALUES (1)")
		}
	}
	insert(3)
	p1, _, err := mysqlx.ReadGTIDs(ctx, db, mysqlx.MariaDB)
	if err != nil {
		t.Fatal(err)
	}
	insert(3)
	pfExec(t, ctx, conn, "FLUSH BINARY LOGS")
	insert(2)
	if _, err := testenv.PurgeBinaryLogs(ctx, conn); err != nil {
		t.Fatal(err)
	}

	err = CheckStartAvailable(ctx, db, srv, p1)
	if !errors.Is(err, ErrPurged) {
		t.Fatalf("CheckStartAvailable(%s) = %v, want ErrPurged", p1, err)
	}
	var p1seq mysqlx.SeqRange
	for _, r := range p1.Ranges() {
		if r.Domain == 77 {
			p1seq = r
		}
	}
	if p1seq.Last == 0 {
		t.Fatalf("P1 %s lacks domain 77", p1)
	}
	want := fmt.Sprintf("domain 77 seq %d-%d (3 transactions)", p1seq.Last+1, p1seq.Last+3)
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error lacks %q: %v", want, err)
	}
	t.Logf("purged error: %v", err)
	now, _, err := mysqlx.ReadGTIDs(ctx, db, mysqlx.MariaDB)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckStartAvailable(ctx, db, srv, now); err != nil {
		t.Errorf("CheckStartAvailable(current %s): %v", now, err)
	}
}
