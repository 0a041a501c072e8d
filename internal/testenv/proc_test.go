package testenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFailedStartReportsLogTail(t *testing.T) {
	dir := t.TempDir()
	p, err := launch(dir, false, nil, "/bin/sh", "-c", "echo starting; echo 'fatal: cannot open data dir' >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err = waitReady(ctx, p, "fake server", func(context.Context) error { return errors.New("connection refused") })
	if err == nil {
		t.Fatal("waitReady succeeded for a server that exited")
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("waitReady took %v to notice the exit", time.Since(start))
	}
	for _, want := range []string{"fake server did not start", "exit status 3", "fatal: cannot open data dir", "connection refused"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if errors.Is(err, errPortInUse) {
		t.Errorf("error wrongly marked as a port conflict: %v", err)
	}
}

func TestPortConflictIsRecognized(t *testing.T) {
	p, err := launch(t.TempDir(), false, nil, "/bin/sh", "-c", "echo 'listen tcp 127.0.0.1:9000: bind: address already in use' >&2; exit 1")
	if err != nil {
		t.Fatal(err)
	}
	err = waitReady(context.Background(), p, "x", func(context.Context) error { return errors.New("refused") })
	if !errors.Is(err, errPortInUse) {
		t.Fatalf("want errPortInUse, got %v", err)
	}
}

func TestStopKillsTheProcessGroup(t *testing.T) {
	// A server that forks (like the pyenv shim in front of moto_server): stop ends the child too.
	dir := t.TempDir()
	p, err := launch(dir, false, nil, "/bin/sh", "-c", "sleep 300 & echo $! > child.pid; wait")
	if err != nil {
		t.Fatal(err)
	}
	var child int
	for i := 0; i < 50 && child == 0; i++ {
		time.Sleep(20 * time.Millisecond)
		b, _ := os.ReadFile(filepath.Join(dir, "child.pid"))
		child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if child == 0 || !pidAlive(child) {
		t.Fatalf("child did not start (pid %d)", child)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if !p.hasExited() || pidAlive(p.pid()) || pidAlive(child) {
		t.Fatalf("still running after stop: leader %d (exited %v), child %d alive %v",
			p.pid(), p.hasExited(), child, pidAlive(child))
	}
}
