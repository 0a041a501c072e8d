package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSnapshotWithoutReloadPrivilege: a user without RELOAD (as on RDS and
// Azure) gets a lock-free snapshot by default, and a clear error naming the
// privilege when it asks for the lock.
func TestSnapshotWithoutReloadPrivilege(t *testing.T) {
	src := newSnapSource(t, 100)
	src.exec(t, "CREATE USER snap@'%' IDENTIFIED BY 's3cret-Pw'",
		"GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON *.* TO snap@'%'")
	u := "mysql://snap:s3cret-Pw@" + net.JoinHostPort(src.Host, strconv.Itoa(src.Port)) + "/"
	env := []string{"XDG_STATE_HOME=" + t.TempDir()}
	r := pl(t, env, nil, "snapshot", "--source", u, "--to", "file://"+t.TempDir(), "--json")
	r.want(t, 0, "lock-free snapshot without RELOAD")
	if !strings.Contains(r.stdout, `"consistency": "lock-free-binlog-snapshot"`) {
		t.Errorf("want the lock-free method:\n%s", r.stdout)
	}
	r = pl(t, env, nil, "snapshot", "--source", u, "--to", "file://"+t.TempDir(), "--consistency", "flush-tables-read-lock")
	r.want(t, 1, "FTWRL without RELOAD")
	oneLineError(t, r, "RELOAD privilege", "s3cret-Pw")
}

// TestSnapshotBadInputs: each mistake exits non-zero with one line naming
// it, never a password, and writes nothing.
func TestSnapshotBadInputs(t *testing.T) {
	src := newSnapSource(t, 10)
	good := src.URL()
	addr := net.JoinHostPort(src.Host, strconv.Itoa(src.Port))
	m := minioCloud(t)
	dir := t.TempDir()
	blocker := filepath.Join(t.TempDir(), "a-file") // a file where a directory should be made
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		code int
		args []string
		want string
	}{
		{"no source", 2, []string{"--to", "file://" + dir}, "snapshot.source is not set"},
		{"no destination", 2, []string{"--source", good}, "snapshot.to is not set"},
		{"bad scheme", 1, []string{"--source", good, "--to", "ftp://x/y"}, "unknown scheme"},
		{"bad method", 1, []string{"--source", good, "--to", "file://" + dir, "--consistency", "magic"}, "snapshot.consistency"},
		{"bad pattern", 1, []string{"--source", good, "--to", "file://" + dir, "--include", "shop"}, "can never match"},
		{"wrong password", 1, []string{"--source", "mysql://root:Wr0ng-Secret@" + addr + "/", "--to", "file://" + dir}, "Access denied"},
		{"nothing there", 1, []string{"--source", "mysql://root@127.0.0.1:1/", "--to", "file://" + dir}, "connect to"},
		{"nothing matches", 1, []string{"--source", good, "--to", "file://" + dir, "--include", "nosuch.*"}, "nothing to snapshot"},
		{"missing bucket", 1, []string{"--source", good, "--to", "s3://no-such-bucket-pl/x" + m.query}, "no-such-bucket-pl"},
		{"directory that cannot be made", 1, []string{"--source", good, "--to", "file://" + blocker + "/pilotlight"}, "cannot create directory " + blocker + "/pilotlight"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := pl(t, append(m.env, "XDG_STATE_HOME="+t.TempDir()), nil, append([]string{"snapshot"}, c.args...)...)
			r.want(t, c.code, c.args...)
			if !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr does not name the problem (%q):\n%s", c.want, r.stderr)
			}
			for _, secret := range []string{"Wr0ng-Secret", m.secret} {
				if strings.Contains(r.stdout+r.stderr, secret) {
					t.Errorf("the output shows a secret:\n%s", r.stderr)
				}
			}
		})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) > 0 {
		t.Errorf("failed runs left %d entries in the sink directory, e.g. %s", len(entries), entries[0].Name())
	}
}
