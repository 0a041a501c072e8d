package coord

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wantDirError checks err is a *DirError for dir that says how to choose
// another state directory.
func wantDirError(t *testing.T, err error, dir, reason string) {
	t.Helper()
	var de *DirError
	if !errors.As(err, &de) || de.Dir != dir {
		t.Fatalf("err = %v, want a *DirError for %s", err, dir)
	}
	for _, want := range []string{"cannot keep lock files in the state directory " + dir + " (" + reason,
		"XDG_STATE_HOME", "replication.lease_dir", "snapshot.lock_dir"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if strings.Count(err.Error(), dir) != 1 {
		t.Errorf("the directory is named more than once: %q", err)
	}
}

// TestFileDirCannotBeCreated: a lease directory that cannot be created
// (here: its parent is a file, which stops root too) says how to choose
// another state directory.
func TestFileDirCannotBeCreated(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(parent, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(parent, "pilotlight")
	_, err := NewFile(dir)
	wantDirError(t, err, dir, "mkdir "+parent+": not a directory")
}

// TestFileDirNotWritable: a lease directory that exists but cannot be
// written fails Acquire the same way. Root writes anywhere, so this runs
// unprivileged only; the CLI test runs it as nobody.
func TestFileDirNotWritable(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root ignores directory permissions (cmd/pilotlight's TestSnapshotStateDirNotWritable runs this as nobody)")
	}
	dir := filepath.Join(t.TempDir(), "leases")
	c, err := NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	_, err = c.Acquire(context.Background(), "snapshot/x", false)
	var de *DirError
	if !errors.As(err, &de) || !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), "XDG_STATE_HOME") {
		t.Fatalf("Acquire in a read-only directory: %v", err)
	}
}
