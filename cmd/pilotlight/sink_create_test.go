package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// wantDir fails unless dir is a directory created with mode 0750 (less
// the umask): the owner and its group only.
func wantDir(t *testing.T, dir string) {
	t.Helper()
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		t.Fatalf("%s was not created: %v", dir, err)
	}
	if perm := fi.Mode().Perm(); perm&0o007 != 0 || perm&0o700 != 0o700 {
		t.Errorf("%s has mode %#o, want 0750 less the umask", dir, perm)
	}
}

func wantMissing(t *testing.T, path, by string) {
	t.Helper()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s made %s (stat: %v); reading commands must not create directories", by, path, err)
	}
}

// TestFileSinkCreatedByWriters: sink cp and sink check make a missing
// directory and its parents, as mydumper and MySQL Shell do.
func TestFileSinkCreatedByWriters(t *testing.T) {
	base := t.TempDir()
	local := filepath.Join(t.TempDir(), "dump.sql")
	if err := os.WriteFile(local, []byte("select 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dumps := filepath.Join(base, "nightly", "dumps")
	pl(t, nil, nil, "sink", "cp", "-q", local, "file://"+dumps+"/").want(t, 0, "cp into a missing directory")
	wantDir(t, filepath.Join(base, "nightly"))
	wantDir(t, dumps)
	if b, err := os.ReadFile(filepath.Join(dumps, "dump.sql")); err != nil || string(b) != "select 1;\n" {
		t.Errorf("copied file: %q, %v", b, err)
	}
	r := pl(t, nil, strings.NewReader("from stdin"), "sink", "cp", "-", "file://"+base+"/streams/a/obj")
	r.want(t, 0, "cp from stdin into a missing directory")
	wantDir(t, filepath.Join(base, "streams", "a"))

	checked := filepath.Join(base, "checked", "here")
	r = pl(t, nil, nil, "sink", "check", "file://"+checked)
	r.want(t, 0, "sink check of a missing directory")
	if !strings.Contains(r.stdout, "ready") {
		t.Errorf("sink check output:\n%s", r.stdout)
	}
	wantDir(t, checked)
}

// TestFileSinkReadersDoNotCreate: ls, cat, snapshot ls and a copy from a
// missing directory say it does not exist, and leave nothing behind.
func TestFileSinkReadersDoNotCreate(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo", "backups")
	for _, args := range [][]string{
		{"sink", "ls", "file://" + missing},
		{"sink", "cp", "file://" + missing + "/obj", "-"},
		{"snapshot", "ls", "file://" + missing},
		{"snapshot", "cat", "file://" + missing, "latest"},
	} {
		r := pl(t, nil, nil, args...)
		r.want(t, 1, args...)
		oneLineError(t, r, "directory "+missing+" does not exist")
		wantMissing(t, filepath.Dir(missing), strings.Join(args[:2], " "))
	}
}

// TestFileSinkCannotCreate: a directory that cannot be made is one line
// naming the path, the reason and the fix.
func TestFileSinkCannotCreate(t *testing.T) {
	base := t.TempDir()
	blocker := filepath.Join(base, "a-file")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := pl(t, nil, strings.NewReader("data"), "sink", "cp", "-", "file://"+blocker+"/sub/obj")
	r.want(t, 1, "cp below a file")
	oneLineError(t, r, "cannot create directory "+blocker+"/sub: "+blocker+" is a file, not a directory: fix the URL")

	// A directory the user may not write in (as nobody when run as root,
	// which ignores file modes).
	var cred *syscall.Credential
	ro := filepath.Join(base, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() == 0 {
		cred = &syscall.Credential{Uid: 65534, Gid: 65534}
		for _, d := range []string{ro, base, filepath.Dir(base)} { // the test's own temp dirs, never /tmp itself
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	uid := os.Getuid()
	if cred != nil {
		uid = int(cred.Uid)
	}
	want := filepath.Join(ro, "new", "dir")
	r = plAs(t, cred, nil, strings.NewReader("data"), "sink", "cp", "-", "file://"+want+"/obj")
	r.want(t, 1, "cp into a directory it may not create")
	oneLineError(t, r, fmt.Sprintf("cannot create directory %s: permission denied in %s for the user running pilotlight (uid %d): create it yourself (mkdir -p %s)", want, ro, uid, want))
	wantMissing(t, filepath.Join(ro, "new"), "a refused cp")
}

// TestSnapshotCreatesFileSink: a snapshot to a directory that does not
// exist yet makes it and writes the snapshot there.
func TestSnapshotCreatesFileSink(t *testing.T) {
	src := newSnapSource(t, 10)
	dir := filepath.Join(t.TempDir(), "pilotlight", "orders")
	args := []string{"snapshot", "--source", src.URL(), "--json", "--to", "file://" + dir}
	r := pl(t, []string{"XDG_STATE_HOME=" + t.TempDir()}, nil, args...)
	r.want(t, 0, args...)
	wantDir(t, filepath.Dir(dir))
	wantDir(t, dir)
	var res snapshotResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.ID == "" {
		t.Fatalf("--json output: %v\n%s", err, r.stdout)
	}
	r = pl(t, nil, nil, "snapshot", "ls", "file://"+dir)
	r.want(t, 0, "snapshot ls")
	if !strings.Contains(r.stdout, res.ID) {
		t.Errorf("snapshot ls does not list %s:\n%s", res.ID, r.stdout)
	}
}

// TestDuplicateSinksRefused: one sink named twice, in two spellings, is a
// usage error naming both, before anything is opened or created.
func TestDuplicateSinksRefused(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	name := "pl-dup-" + filepath.Base(t.TempDir())
	rel, abs := "file://./"+name, "file://"+filepath.Join(wd, name)+"/"
	s3a := "s3://bkt/orders?endpoint=http://127.0.0.1:9000&path_style=true"
	s3b := "s3://bkt/orders/?path_style=true&endpoint=http://127.0.0.1:9000/"
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"file spellings", []string{"snapshot", "--source", "mysql://root@127.0.0.1:1/", "--to", rel, "--to", "gs://other/x", "--to", abs},
			[]string{"--to:", `"` + rel + `"`, `"` + abs + `"`, "name the same sink", "give each sink once"}},
		{"s3 spellings", []string{"snapshot", "--source", "mysql://root@127.0.0.1:1/", "--to", s3a, "--to", s3b},
			[]string{"--to:", `"` + s3a + `"`, `"` + s3b + `"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := pl(t, []string{"XDG_STATE_HOME=" + t.TempDir()}, nil, c.args...)
			r.want(t, 2, c.args...)
			for _, w := range c.want {
				oneLineError(t, r, w)
			}
			wantMissing(t, filepath.Join(wd, name), "a refused snapshot")
		})
	}

	cfg := filepath.Join(t.TempDir(), "pilotlight.yaml")
	yaml := fmt.Sprintf("storage:\n  sinks:\n    - %s\n    - %s\n", s3a, s3b)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"config", "check", "--config", cfg}, {"sink", "check", "--config", cfg}} {
		r := pl(t, nil, nil, args...)
		r.want(t, 2, args...)
		oneLineError(t, r, fmt.Sprintf("storage.sinks: %q and %q name the same sink", s3a, s3b))
	}
}
