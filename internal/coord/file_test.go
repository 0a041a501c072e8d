package coord

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func newFileT(t *testing.T) Coordinator {
	t.Helper()
	c, err := NewFile(filepath.Join(t.TempDir(), "leases"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFile(t *testing.T) { testCoordinator(t, newFileT) }

func TestFileCreatesPrivateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if _, err := NewFile(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("lease directory mode %v, want 0700", fi.Mode().Perm())
	}
}

func TestFileHeldNamesHolder(t *testing.T) {
	c := newFileT(t)
	a := mustAcquire(t, c, "replicate/s1")
	defer mustRelease(t, a)
	_, err := c.Acquire(ctxT(t), "replicate/s1", false)
	var he *HeldError
	if !errors.As(err, &he) {
		t.Fatalf("got %v, want *HeldError", err)
	}
	host, _ := os.Hostname()
	if he.Holder.PID != os.Getpid() || he.Holder.Host != host || he.Holder.Since.IsZero() {
		t.Fatalf("holder = %+v, want pid %d host %s", he.Holder, os.Getpid(), host)
	}
	if msg := err.Error(); !strings.Contains(msg, "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("message %q does not name the holder's pid", msg)
	}
}

func TestFileTokensSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	c1, err := NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := mustAcquire(t, c1, "cutover")
	mustRelease(t, a)
	c2, err := NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := mustAcquire(t, c2, "cutover")
	defer mustRelease(t, b)
	if b.Token() <= a.Token() {
		t.Fatalf("token after restart %d not above %d", b.Token(), a.Token())
	}
}

func TestFileCorruptCounterIsAnError(t *testing.T) {
	dir := t.TempDir()
	c, err := NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	mustRelease(t, mustAcquire(t, c, "x"))
	if err := os.WriteFile(filepath.Join(dir, "x.token"), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if l, err := c.Acquire(ctxT(t), "x", false); err == nil {
		l.Release(context.Background())
		t.Fatal("Acquire with a corrupt counter succeeded; it must not reset the token")
	}
	// The failed attempt must not keep the lock.
	if err := os.WriteFile(filepath.Join(dir, "x.token"), []byte("41\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := mustAcquire(t, c, "x")
	defer mustRelease(t, l)
	if l.Token() != 42 {
		t.Fatalf("token = %d, want 42", l.Token())
	}
}

func TestFileNamesStayInDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "leases")
	c, err := NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"../escape", "../../etc/passwd", "..", ".", "a/b/c", "a.b", ".hidden", "x\x00y"} {
		mustRelease(t, mustAcquire(t, c, n))
	}
	if _, err := c.Acquire(ctxT(t), "", false); err == nil {
		t.Fatal("empty name accepted")
	}
	if _, err := c.Acquire(ctxT(t), strings.Repeat("/", 100), false); err == nil {
		t.Fatal("overlong name accepted")
	}
	if ents, _ := os.ReadDir(root); len(ents) != 1 {
		t.Fatalf("files outside the lease directory: %v", ents)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("unsafe entry %q in the lease directory", e.Name())
		}
	}
}

func TestEscapeNameInjective(t *testing.T) {
	names := []string{"a/b", "a%2Fb", "a.b", "a%2Eb", "a_b", "a-b", "A/b", "a//b"}
	seen := map[string]string{}
	for _, n := range names {
		e, err := escapeName(n)
		if err != nil {
			t.Fatal(err)
		}
		if prev, ok := seen[e]; ok {
			t.Fatalf("%q and %q both escape to %q", prev, n, e)
		}
		seen[e] = n
	}
	if e, _ := escapeName("replicate/s1.x"); e != "replicate%2Fs1%2Ex" {
		t.Fatalf("escapeName = %q", e)
	}
}

// helperEnv makes the test binary act as a lease holder (TestHelperProcess).
const helperEnv = "PILOTLIGHT_COORD_HELPER"

// TestHelperProcess is not a test: run by TestFileCrash as a child process,
// it takes a lease, prints its token and waits to be killed.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestFileCrash")
	}
	c, err := NewFile(os.Getenv("COORD_DIR"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	l, err := c.Acquire(context.Background(), os.Getenv("COORD_NAME"), false)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("token %d\n", l.Token())
	select {} // hold the lease until killed
}

func TestFileCrash(t *testing.T) {
	dir := t.TempDir()
	const name = "replicate/crash"
	c, err := NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Some history first, so the child's token is not trivially 1.
	mustRelease(t, mustAcquire(t, c, name))

	cmd := exec.CommandContext(ctxT(t), os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "COORD_DIR="+dir, "COORD_NAME="+name)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the child's token: %v", err)
	}
	var childToken uint64
	if _, err := fmt.Sscanf(line, "token %d", &childToken); err != nil {
		t.Fatalf("child printed %q: %v", line, err)
	}

	_, err = c.Acquire(ctxT(t), name, false)
	var he *HeldError
	if !errors.As(err, &he) || he.Holder.PID != cmd.Process.Pid || he.Holder.Token != childToken {
		t.Fatalf("while the child holds the lease: got %v, want ErrHeld naming pid %d token %d", err, cmd.Process.Pid, childToken)
	}

	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup runs in the child
		t.Fatal(err)
	}
	_ = cmd.Wait()

	l, err := c.Acquire(ctxT(t), name, false)
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	defer mustRelease(t, l)
	if l.Token() <= childToken {
		t.Fatalf("token after crash %d not above the dead holder's %d", l.Token(), childToken)
	}
}
