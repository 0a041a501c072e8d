package main

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// restoreChunks is the count of chunks a restore recorded on db (0 when the
// state table does not exist).
func restoreChunks(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM pilotlight.restore_chunk").Scan(&n); err != nil {
		return 0
	}
	return n
}

// TestRestoreKilledResumes: pilotlight restore killed with SIGKILL in the
// middle of the rows, then run again with the same command line: it resumes,
// loads each chunk once, and the copy equals the source.
func TestRestoreKilledResumes(t *testing.T) {
	src := newSnapSource(t, 80000)
	src.exec(t, "ANALYZE TABLE shop.customers, shop.orders") // the chunk planner sizes tables by their statistics
	env := []string{"XDG_STATE_HOME=" + t.TempDir()}
	sink := "file://" + t.TempDir()
	pl(t, env, nil, "snapshot", "--source", src.URL(), "--to", sink, "--chunk-size", "1MiB").want(t, 0, "snapshot")
	target := testenv.NewMariaDB(t)
	tdb := statusOpen(t, target.DSN(""), nil)

	run := plStart(t, env, "restore", "--from", sink, "--target", target.URL(), "--threads", "1")
	deadline := time.Now().Add(time.Minute)
	for restoreChunks(t, tdb) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the restore loaded no chunks in a minute:\n%s", run.stderr())
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = run.cmd.Process.Kill()
	<-run.done
	before := restoreChunks(t, tdb)
	var phase string
	if err := tdb.QueryRow("SELECT phase FROM pilotlight.restore").Scan(&phase); err != nil || phase == "complete" {
		t.Fatalf("the restore was %q (%v) when it was killed; the test wants it in the middle", phase, err)
	}

	res := pl(t, env, nil, "restore", "--from", sink, "--target", target.URL(), "--threads", "2")
	res.want(t, 0, "restore after kill -9")
	if !strings.Contains(res.stdout, "loaded by an earlier run") || !strings.Contains(res.stdout, "verified") ||
		strings.Contains(res.stdout, " 0 chunks") {
		t.Errorf("the rerun printed:\n%s", res.stdout)
	}
	t.Logf("killed after %d chunks; the rerun: %s", before, strings.TrimSpace(res.stdout))
	compareDatabases(t, src.db, tdb)
}

// TestRestoreBadInput: each mistake gives one line and exit 1 (2 for usage),
// with nothing written on the target.
func TestRestoreBadInput(t *testing.T) {
	src := newSnapSource(t, 200)
	env := []string{"XDG_STATE_HOME=" + t.TempDir()}
	dir := t.TempDir()
	key1, key2 := filepath.Join(dir, "k1"), filepath.Join(dir, "k2")
	for _, k := range []struct {
		path string
		fill byte
	}{{key1, 1}, {key2, 2}} {
		if err := os.WriteFile(k.path, []byte(hex.EncodeToString(bytes.Repeat([]byte{k.fill}, 32))), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sink := "file://" + filepath.Join(dir, "backups")
	pl(t, env, nil, "snapshot", "--source", src.URL(), "--to", sink, "--encrypt-key-file", key1).want(t, 0, "snapshot")
	target := testenv.NewMariaDB(t)
	tdb := statusOpen(t, target.DSN(""), nil)
	faultExec(t, tdb, "CREATE USER reader@'%' IDENTIFIED BY 'r34der-Pw'", "GRANT SELECT ON *.* TO reader@'%'")
	reader := "mysql://reader:r34der-Pw@" + net.JoinHostPort(target.Host, strconv.Itoa(target.Port)) + "/"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now

	for _, c := range []struct {
		name string
		code int
		args []string
		want string
	}{
		{"no key", 1, []string{"--target", target.URL()}, "--encrypt-key-file"},
		{"wrong key", 1, []string{"--target", target.URL(), "--encrypt-key-file", key2}, "key"},
		{"no target", 2, []string{"--encrypt-key-file", key1}, "--target is required"},
		{"bad threads", 2, []string{"--target", target.URL(), "--encrypt-key-file", key1, "--threads", "0"}, "--threads"},
		{"bad gtid", 2, []string{"--target", target.URL(), "--encrypt-key-file", key1, "--gtid", "native"}, "--gtid"},
		{"no snapshot", 1, []string{"--target", target.URL(), "--encrypt-key-file", key1, "--snapshot", "20200101T000000Z-00000000"}, "no snapshot"},
		{"unreachable target", 1, []string{"--target", "mysql://root@127.0.0.1:" + strconv.Itoa(closed) + "/", "--encrypt-key-file", key1}, "target"},
		{"unmatched include", 2, []string{"--target", target.URL(), "--encrypt-key-file", key1, "--include", "nope.*"}, "matches no table"},
		{"no privileges", 1, []string{"--target", reader, "--encrypt-key-file", key1}, "grant"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := pl(t, env, nil, append([]string{"restore", "--from", sink}, c.args...)...)
			r.want(t, c.code, c.name)
			oneLineError(t, r, c.want, "r34der-Pw")
			if n := columnOf(t, tdb, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('shop', 'seq')"); n[0] != "0" {
				t.Errorf("%s: the target has %s of the snapshot's databases", c.name, n[0])
			}
		})
	}

	dry := pl(t, env, nil, "restore", "--from", sink, "--encrypt-key-file", key1, "--dry-run")
	dry.want(t, 0, "dry run")
	for _, want := range []string{"shop.orders", "600 rows", "nothing was changed"} {
		if !strings.Contains(dry.stdout, want) {
			t.Errorf("--dry-run lacks %q:\n%s", want, dry.stdout)
		}
	}
}
