package testenv

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
)

// mtrSuiteDirs are where distributions install MariaDB's test suites: Debian's and
// Ubuntu's mariadb-test package first.
var mtrSuiteDirs = []string{"/usr/share/mysql/mysql-test", "/usr/share/mariadb/mariadb-test",
	"/usr/share/mariadb-test", "/usr/mysql-test"}

// MTR is MariaDB's own test runner, mariadb-test-run, with the suites of Debian's
// mariadb-test package (main, gcol, json, ...): thousands of files of real, awkward SQL.
// Tests use it as a workload against a server they started (--extern), not to judge
// that server: whether a file's output matches its result file does not matter.
//
// When the test binary runs as root, mariadb-test-run runs as the user nobody, because
// as root it skips every file that includes not_as_root.inc (main.trigger among them).
type MTR struct {
	// Dir is the suite directory holding mariadb-test-run, main/ and suite/.
	Dir  string
	work string              // holds one vardir per Run; removed when the test ends
	cred *syscall.Credential // nil: run as this process's user
	runs atomic.Int32
}

// NewMTR finds MariaDB's test suites (Debian's mariadb-test package, installed by
// internal/testenv/install.sh). A missing package skips t, or fails it when CI is set.
// The vardirs of its runs are removed when t ends, unless t failed: then they are kept
// (in pilotlight-mtr-logs-* in the temp directory) and their path is logged.
func NewMTR(t testing.TB) *MTR {
	t.Helper()
	m, err := findMTR()
	if err != nil {
		fail(t, err)
		return nil
	}
	// Not t.TempDir(): nobody must reach it, and t.TempDir's parent is private.
	work, err := os.MkdirTemp("", tempPrefix+strconv.Itoa(os.Getpid())+"-mtr-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	m.work = work
	t.Cleanup(func() {
		if t.Failed() {
			// Out of sweepStale's reach, which removes the directories of dead test binaries.
			kept := filepath.Join(filepath.Dir(work), "pilotlight-mtr-logs-"+filepath.Base(work)[len(tempPrefix):])
			if err := os.Rename(work, kept); err == nil {
				work = kept
			}
			t.Logf("testenv: mariadb-test-run logs kept in %s", work)
			return
		}
		_ = os.RemoveAll(work)
	})
	if os.Geteuid() == 0 {
		cred, err := nobody()
		if err != nil {
			t.Logf("testenv: running mariadb-test-run as root (files that include not_as_root.inc are skipped): %v", err)
		} else {
			m.cred = cred
			if err := os.Chown(work, int(cred.Uid), int(cred.Gid)); err != nil {
				t.Fatalf("testenv: %v", err)
			}
		}
	}
	return m
}

func findMTR() (*MTR, error) {
	bins := []string{"mariadb-test", "mariadb"} // mysqltest itself and the client the files run
	for _, b := range bins {
		if _, err := findBinary(b); err != nil {
			return nil, err
		}
	}
	for _, d := range mtrSuiteDirs {
		if fi, err := os.Stat(filepath.Join(d, "mariadb-test-run")); err == nil && fi.Mode()&0o111 != 0 {
			return &MTR{Dir: d}, nil
		}
	}
	return nil, &MissingBinaryError{Binary: "mariadb-test-run (Debian package mariadb-test)", Looked: mtrSuiteDirs}
}

// nobody is the credential of the user nobody.
func nobody() (*syscall.Credential, error) {
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("look up user nobody: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("user nobody has uid %q gid %q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}
