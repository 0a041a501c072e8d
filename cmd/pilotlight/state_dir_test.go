package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// TestSnapshotStateDirNotWritable: when the state directory for the lock
// cannot be created, the snapshot is one line that names it and says how to
// choose another (XDG_STATE_HOME, replication.lease_dir), exit 1, and
// nothing is written anywhere.
func TestSnapshotStateDirNotWritable(t *testing.T) {
	srv := testenv.MariaDBPrimary(t)
	state := t.TempDir()
	var cred *syscall.Credential
	if os.Getuid() == 0 {
		cred = &syscall.Credential{Uid: 65534, Gid: 65534} // nobody: root ignores file modes
		for _, d := range []string{state, filepath.Dir(state)} {
			if err := os.Chmod(d, 0o755); err != nil { // nobody may look, not write
				t.Fatal(err)
			}
		}
	} else if err := os.Chmod(state, 0o555); err != nil {
		t.Fatal(err)
	}
	to := t.TempDir()
	os.Chmod(to, 0o777)
	dir := filepath.Join(state, "pilotlight")
	r := plAs(t, cred, []string{"XDG_STATE_HOME=" + state}, nil, "snapshot", "--source", srv.URL(), "--to", "file://"+to)
	r.want(t, 1, "snapshot with a read-only state directory")
	oneLineError(t, r, "cannot keep lock files in the state directory "+dir+" (permission denied): choose another one")
	for _, want := range []string{"XDG_STATE_HOME", "replication.lease_dir"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the error does not mention %s:\n%s", want, r.stderr)
		}
	}
	for _, d := range []string{state, to} {
		if entries, _ := os.ReadDir(d); len(entries) != 0 {
			t.Errorf("%s holds %v after the refused run", d, entries)
		}
	}
}
