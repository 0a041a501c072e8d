package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// sanitizeDumpPath is the hand-written MySQL 8 mysqldump of the sanitize package's tests.
const sanitizeDumpPath = "../../snapshot/sanitize/testdata/mysql8.sql"

const sanitizeThreeUUIDs = "0d6f9b8e-1c2a-11ef-8a4e-0a5c3f7e9b21:1-48213,4a1e77c2-1c2b-11ef-9d3f-0e8b2a6c4d10:1-7,9f3c2d1a-5e6b-11ef-b7a8-02c4e1f0a9d3:1-105"

func sanitizeDump(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(sanitizeDumpPath)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSnapshotSanitizeMySQL8DumpLoadsWithoutSuper pipes a zstd-compressed MySQL 8 dump
// through the binary with --gtid-file and loads stdout with the mariadb client as a user
// that has ALL on its database and nothing else.
func TestSnapshotSanitizeMySQL8DumpLoadsWithoutSuper(t *testing.T) {
	zw, _ := zstd.NewWriter(nil)
	dump := zw.EncodeAll(sanitizeDump(t), nil)
	gtidFile := filepath.Join(t.TempDir(), "shop.gtid")
	res := pl(t, nil, bytes.NewReader(dump), "snapshot", "sanitize", "--gtid-file", gtidFile)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if got, err := os.ReadFile(gtidFile); err != nil || string(got) != sanitizeThreeUUIDs+"\n" {
		t.Errorf("--gtid-file holds %q (%v), want the three-UUID set %q", got, err, sanitizeThreeUUIDs)
	}
	for _, want := range []string{"(zstd input)", "removed SQL_LOG_BIN x3, GTID_PURGED x1; 5 DEFINER clauses stripped", "written to " + gtidFile} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, res.stderr)
		}
	}
	if strings.Contains(res.stdout, sanitizeThreeUUIDs[:20]) || strings.Contains(res.stdout, "sanitized") {
		t.Errorf("stdout carries more than the SQL")
	}

	srv, root := sanitizeTarget(t, "shop")
	if out, err := sanitizeLoad(t, srv, "shop", res.stdout); err != nil {
		t.Fatalf("load as the user without SUPER: %v\n%s", err, out)
	}
	var n int
	var note string
	if err := root.QueryRow("SELECT COUNT(*), MAX(IF(id = 1, note, NULL)) FROM shop.orders").Scan(&n, &note); err != nil {
		t.Fatal(err)
	}
	if want := "SET @@GLOBAL.GTID_PURGED='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5';"; n != 7 || note != want {
		t.Errorf("shop.orders has %d rows and row 1 is %q; want 7 and %q", n, note, want)
	}
	var objects, foreign int
	if err := root.QueryRow(`SELECT
		(SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'shop') +
		(SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop') +
		(SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'shop') +
		(SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'shop'),
		(SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'shop' AND DEFINER <> 'loader@%') +
		(SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop' AND DEFINER <> 'loader@%') +
		(SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'shop' AND DEFINER <> 'loader@%') +
		(SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'shop' AND DEFINER <> 'loader@%')`).Scan(&objects, &foreign); err != nil {
		t.Fatal(err)
	}
	if objects != 5 || foreign != 0 {
		t.Errorf("%d objects loaded, %d not owned by loader@%%; want 5 and 0", objects, foreign)
	}
}

// TestSnapshotSanitizeFileArgument reads a gzip file named on the command line, prints the
// GTID set on stderr, and replaces definers with --definer.
func TestSnapshotSanitizeFileArgument(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(sanitizeDump(t))
	w.Close()
	path := filepath.Join(t.TempDir(), "dump.sql.gz")
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	res := pl(t, nil, nil, "snapshot", "sanitize", "--definer", "app@%", path)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "GTID set removed (GTID_PURGED): "+sanitizeThreeUUIDs+"\n") {
		t.Errorf("stderr has no GTID set:\n%s", res.stderr)
	}
	if n := strings.Count(res.stdout, "DEFINER=`app`@`%`"); n != 5 || !strings.Contains(res.stderr, "5 DEFINER clauses set to app@%") {
		t.Errorf("%d definers replaced in the output; stderr:\n%s", n, res.stderr)
	}
	if !strings.HasPrefix(res.stdout, "-- MySQL dump 10.13") {
		t.Errorf("stdout does not start with the dump: %.80q", res.stdout)
	}
}

func TestSnapshotSanitizeBadInvocations(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(sanitizeDump(t))
	w.Close()
	truncated := filepath.Join(dir, "cut.sql.gz")
	os.WriteFile(truncated, gz.Bytes()[:gz.Len()/2], 0o644)
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		say   string
	}{
		{"both definer flags", "", []string{"--definer", "a@%", "--strip-definer"}, exitUsage, "contradict"},
		{"bad account", "", []string{"--definer", "@h"}, exitUsage, "the user name is empty"},
		{"two files", "", []string{"a", "b"}, exitUsage, "accepts at most 1 arg"},
		{"missing file", "", []string{filepath.Join(dir, "nope.sql")}, exitFailure, "open the dump"},
		{"not SQL", "\x7fELF\x02\x01\x01\x00", nil, exitFailure, "not a SQL dump"},
		{"truncated gzip", "", []string{truncated}, exitFailure, "the gzip input is corrupt or truncated"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := pl(t, nil, strings.NewReader(c.stdin), append([]string{"snapshot", "sanitize"}, c.args...)...)
			if res.code != c.code || !strings.Contains(res.stderr, c.say) {
				t.Errorf("exit %d, stderr %q; want exit %d saying %q", res.code, res.stderr, c.code, c.say)
			}
		})
	}
}

func TestSnapshotSanitizeHelp(t *testing.T) {
	res := pl(t, nil, nil, "snapshot", "sanitize", "--help")
	for _, want := range []string{"RDS", "Azure Database for MySQL", "--gtid-file", "--definer", "log_bin_trust_function_creators", "| mysql"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
}

// sanitizeTarget starts a MariaDB set up like a managed service: a user loader@% with ALL
// on db only, and log_bin_trust_function_creators on (binlog is on).
func sanitizeTarget(t *testing.T, db string) (*testenv.MariaDB, *sql.DB) {
	t.Helper()
	srv := testenv.NewMariaDB(t)
	root, err := sql.Open("mysql", srv.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	for _, s := range []string{"SET GLOBAL log_bin_trust_function_creators = 1", "CREATE DATABASE " + db,
		"CREATE USER 'loader'@'%' IDENTIFIED BY 'loader-pw'", "GRANT ALL ON " + db + ".* TO 'loader'@'%'"} {
		if _, err := root.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return srv, root
}

// sanitizeLoad runs mariadb -u loader db < sql.
func sanitizeLoad(t *testing.T, srv *testenv.MariaDB, db, sql string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.RequireBinary(t, "mariadb"), "--no-defaults", "--protocol=TCP",
		"--host="+srv.Host, "--port="+strconv.Itoa(srv.Port), "--user=loader", "--password=loader-pw", db)
	cmd.Stdin = strings.NewReader(sql)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestSnapshotSanitizeNotADump: /etc/passwd (or any file that is not SQL)
// is one error line naming the file and why, exit 1, nothing on stdout; a
// dump of comments and CREATE statements only goes through unchanged.
func TestSnapshotSanitizeNotADump(t *testing.T) {
	dir := t.TempDir()
	passwd := filepath.Join(dir, "passwd")
	if err := os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{passwd}
	if _, err := os.Stat("/etc/passwd"); err == nil {
		files = append(files, "/etc/passwd")
	}
	for _, f := range files {
		res := pl(t, nil, nil, "snapshot", "sanitize", f)
		res.want(t, exitFailure, "snapshot", "sanitize", f)
		oneLineError(t, res, "sanitize "+f+": not a SQL dump: line 1 does not begin with a SQL statement", "root:x")
		if res.stdout != "" {
			t.Errorf("%s: stdout is not empty: %.80q", f, res.stdout)
		}
	}
	res := pl(t, nil, strings.NewReader(""), "snapshot", "sanitize")
	res.want(t, exitFailure, "snapshot", "sanitize", "< empty")
	oneLineError(t, res, "sanitize stdin: the input is empty, not a SQL dump")

	schema := "-- MariaDB dump 10.19\n--\n-- Host: db    Database: shop\n\nCREATE DATABASE shop;\nCREATE TABLE shop.t (a int);\n"
	res = pl(t, nil, strings.NewReader(schema), "snapshot", "sanitize")
	res.want(t, exitOK, "snapshot", "sanitize", "< schema only")
	if res.stdout != schema {
		t.Errorf("a schema-only dump came out as %q", res.stdout)
	}
}
