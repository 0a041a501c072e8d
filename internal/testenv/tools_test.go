package testenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSysbenchAndCopySchema prepares sysbench tables on one private server, runs a fixed
// number of write transactions, copies the schema to a second server and compares checksums.
func TestSysbenchAndCopySchema(t *testing.T) {
	t.Parallel()
	RequireBinary(t, "sysbench")
	RequireBinary(t, "mariadb-dump")
	src, dst := NewMariaDB(t), NewMariaDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	sdb, ddb := openDB(t, src.DSN("")), openDB(t, dst.DSN(""))
	mustExec(t, ctx, sdb, "CREATE DATABASE sb")
	bench := func(args ...string) string {
		t.Helper()
		out, err := Sysbench(ctx, src.MySQLServer, append([]string{"oltp_write_only", "--mysql-db=sb",
			"--tables=2", "--table-size=300"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	bench("prepare")
	for _, tbl := range []string{"sbtest1", "sbtest2"} {
		if n := count(t, ctx, sdb, "sb."+tbl); n != 300 {
			t.Fatalf("%s has %d rows after prepare, want 300", tbl, n)
		}
	}
	before := gtidPos(ctx, t, sdb)
	out := bench("--threads=2", "--time=0", "--events=40", "run")
	if !strings.Contains(out, "transactions:") {
		t.Fatalf("sysbench run printed no transaction count:\n%s", out)
	}
	if after := gtidPos(ctx, t, sdb); seqOf(t, after)-seqOf(t, before) < 40 {
		t.Fatalf("gtid_binlog_pos %s -> %s: fewer than 40 transactions committed", before, after)
	}

	if err := CopySchema(ctx, src.MySQLServer, dst.MySQLServer, "sb"); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range []string{"sb.sbtest1", "sb.sbtest2"} {
		if a, b := checksum(t, ctx, sdb, tbl), checksum(t, ctx, ddb, tbl); a != b || a == 0 {
			t.Errorf("CHECKSUM TABLE %s: source %d, copy %d", tbl, a, b)
		}
	}
	if pos := gtidPos(ctx, t, ddb); strings.Contains(pos, fmt.Sprintf("-%d-", src.ServerID)) {
		t.Errorf("the copy took the source's GTIDs: %s", pos)
	}

	bench("cleanup")
	if n := count(t, ctx, sdb, "information_schema.tables WHERE table_schema = 'sb'"); n != 0 {
		t.Errorf("%d tables left after cleanup", n)
	}
}

func TestSysbenchReportsFailures(t *testing.T) {
	t.Parallel()
	RequireBinary(t, "sysbench")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := Sysbench(ctx, MariaDBStandby(t), "oltp_write_only", "--mysql-db=pl_no_such_db", "prepare")
	if err == nil || !strings.Contains(err.Error(), "pl_no_such_db") || !strings.Contains(err.Error(), "exit status") {
		t.Fatalf("sysbench against a missing database: %v; want its exit status and output", err)
	}
	var missing *MissingBinaryError
	if errors.As(err, &missing) {
		t.Fatalf("a failed run reported as a missing binary: %v", err)
	}
}

func TestToolsMissingBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	t.Setenv("GOBIN", "")
	t.Setenv("GOPATH", "")
	if _, err := findBinary("sysbench"); err == nil {
		t.Skip("sysbench is installed outside PATH (in an sbin directory)")
	}
	srv := &MySQLServer{Host: "127.0.0.1", Port: 1, User: "root"}
	_, err := Sysbench(context.Background(), srv, "oltp_write_only", "run")
	var missing *MissingBinaryError
	if !errors.As(err, &missing) || missing.Binary != "sysbench" {
		t.Fatalf("Sysbench without sysbench: %v, want a MissingBinaryError", err)
	}
	err = CopySchema(context.Background(), srv, srv, "x")
	if !errors.As(err, &missing) || missing.Binary != "mariadb-dump" {
		t.Fatalf("CopySchema without mariadb-dump: %v, want a MissingBinaryError", err)
	}
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		f := &fakeTB{}
		RequireBinary(f, "sysbench")
		if ci == "" && f.skipped == "" || ci == "true" && f.fatal == "" {
			t.Errorf("CI=%q: RequireBinary skipped=%q fatal=%q", ci, f.skipped, f.fatal)
		}
	}
}

func count(t *testing.T, ctx context.Context, db *sql.DB, from string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+from).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func checksum(t *testing.T, ctx context.Context, db *sql.DB, table string) int64 {
	t.Helper()
	var name string
	var sum sql.NullInt64
	if err := db.QueryRowContext(ctx, "CHECKSUM TABLE "+table).Scan(&name, &sum); err != nil {
		t.Fatal(err)
	}
	if !sum.Valid {
		t.Fatalf("CHECKSUM TABLE %s: NULL (no such table)", table)
	}
	return sum.Int64
}

// seqOf is the sequence number of a single-domain MariaDB GTID position D-S-N.
func seqOf(t *testing.T, pos string) int64 {
	t.Helper()
	var d, s, n int64
	if _, err := fmt.Sscanf(pos, "%d-%d-%d", &d, &s, &n); err != nil || strings.Contains(pos, ",") {
		t.Fatalf("GTID position %q is not one domain's D-S-N: %v", pos, err)
	}
	return n
}
