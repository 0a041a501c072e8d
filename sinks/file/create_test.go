package file

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

func openRaw(t *testing.T, raw string, opts sinks.Options) (sinks.Sink, error) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return Open(context.Background(), u, opts)
}

// TestCreateForWriters: a writer's sink makes its directory and parents,
// like mkdir -p, for the owner and its group only.
func TestCreateForWriters(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "nightly", "orders")
	s, err := openRaw(t, "file://"+dir, sinks.Options{Create: true})
	if err != nil {
		t.Fatalf("Open with Create of a missing directory: %v", err)
	}
	for _, d := range []string{filepath.Join(base, "nightly"), dir} {
		fi, err := os.Stat(d)
		if err != nil || !fi.IsDir() {
			t.Fatalf("%s was not created: %v", d, err)
		}
		if perm := fi.Mode().Perm(); perm&0o007 != 0 || perm&0o700 != 0o700 {
			t.Errorf("%s has mode %#o; want 0750 (less the umask)", d, perm)
		}
	}
	if _, err := s.Put(context.Background(), "k", strings.NewReader("v")); err != nil {
		t.Errorf("Put into the created directory: %v", err)
	}
	// An existing directory keeps its mode.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := openRaw(t, "file://"+dir, sinks.Options{Create: true}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o777 {
		t.Errorf("reopening changed the mode of an existing directory to %#o", fi.Mode().Perm())
	}
}

// TestReadersDoNotCreate: without Create, a missing directory is an error
// that says so, and nothing is made.
func TestReadersDoNotCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	_, err := openRaw(t, "file://"+dir, sinks.Options{})
	sinktest.CheckError(t, "Open of a missing directory", err, sinks.ErrNoBucket, []string{dir, "does not exist", "mkdir -p"}, nil)
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a reader created %s", dir)
	}
}

// TestCreateFails: a directory that cannot be made is one line naming the
// path, the reason and the fix.
func TestCreateFails(t *testing.T) {
	base := t.TempDir()
	blocker := filepath.Join(base, "afile")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(blocker, "sub")
	_, err := openRaw(t, "file://"+dir, sinks.Options{Create: true})
	sinktest.CheckError(t, "Open under a file", err, sinks.ErrBadURL, []string{"cannot create directory " + dir, blocker + " is a file", "fix the URL"}, nil)

	t.Run("no permission", func(t *testing.T) {
		if os.Getuid() == 0 {
			t.Skip("root ignores file modes; the CLI test runs this case as nobody")
		}
		ro := filepath.Join(base, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(ro, "backups")
		_, err := openRaw(t, "file://"+dir, sinks.Options{Create: true})
		sinktest.CheckError(t, "Open in a read-only directory", err, sinks.ErrPermission, []string{"cannot create directory " + dir, "permission denied in " + ro, "mkdir -p"}, nil)
	})
}
