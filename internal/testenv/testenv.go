// Package testenv starts throwaway real servers for tests: MinIO and moto (S3, Route 53),
// fake-gcs-server (GCS), Azurite (Azure Blob), MariaDB (primary and standby), Redis and
// BIND 9 (RFC 2136). NewMTR runs MariaDB's own test suites against a server, as a workload.
//
// Each server is started lazily, at most once per test binary, on a free loopback port with
// its data in a temporary directory; Main stops them all when the tests are done. Tests share
// a server and isolate themselves by creating their own bucket, container or database.
//
// A package that uses it needs:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
//
// When PILOTLIGHT_RIG names a state file written by `go run ./internal/testenv/rig up`, the
// servers listed there are used instead of starting new ones, so that `make test` starts one
// set for every package.
//
// A binary that is not installed skips the test, or fails it when CI is "true" or "1"; either
// way the message names the binary and `make deps`.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RigEnv is the environment variable naming a rig state file (see package doc).
const RigEnv = "PILOTLIGHT_RIG"

const (
	startTimeout = 90 * time.Second // from exec to a protocol-level answer
	rigCheckWait = 10 * time.Second // for a rig server to answer before it is declared dead
	stopTimeout  = 15 * time.Second // SIGTERM to SIGKILL
	tempPrefix   = "pilotlight-testenv-"
)

// registry holds every server this test binary started. It is the package's only mutable
// global state.
type registry struct {
	mu      sync.Mutex
	running bool // inside Main
	closed  bool // Main has stopped everything; no new servers
	base    string
	slots   map[string]*slot
	started []*record

	rigOnce sync.Once
	rig     *rigState
	rigErr  error
}

// slot makes sure one kind of server is started at most once.
type slot struct {
	once sync.Once
	rec  *record
	err  error
}

var reg = &registry{slots: map[string]*slot{}}

// Main runs the tests and then stops every server this test binary started. Use:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
func Main(m *testing.M) int {
	sweepStale()
	reg.mu.Lock()
	reg.running = true
	reg.mu.Unlock()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			// Interrupted: clean up, then die of the same signal.
			reg.stopAll()
			signal.Reset(sig)
			_ = syscall.Kill(os.Getpid(), sig.(syscall.Signal))
		case <-done:
		}
	}()

	code := m.Run()
	close(done)
	signal.Stop(sigs)
	if err := reg.stopAll(); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
	}
	return code
}

// server returns the running server of the given kind, starting it on first use.
func server(t testing.TB, kind string) *record {
	t.Helper()
	s, err := reg.slot(kind)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	s.once.Do(func() { s.rec, s.err = reg.start(kind) })
	if s.err != nil {
		fail(t, s.err)
	}
	return s.rec
}

// fail ends the test for err: a skip for a missing binary outside CI, a failure otherwise.
func fail(t testing.TB, err error) {
	t.Helper()
	var missing *MissingBinaryError
	if errors.As(err, &missing) && !inCI() {
		t.Skipf("testenv: %v", err)
		return
	}
	t.Fatalf("testenv: %v", err)
}

func inCI() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv("CI")))
	return v == "true" || v == "1"
}

func (r *registry) slot(kind string) (*slot, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.running {
		return nil, errors.New("servers need TestMain: func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }")
	}
	if r.closed {
		return nil, errors.New("servers already stopped (Main returned)")
	}
	s, ok := r.slots[kind]
	if !ok {
		s = &slot{}
		r.slots[kind] = s
	}
	return s, nil
}

func (r *registry) start(kind string) (*record, error) {
	if rec, ok, err := r.fromRig(kind); ok || err != nil {
		return rec, err
	}
	dir, err := r.serverDir(kind)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout+time.Minute)
	defer cancel()
	rec, err := startKind(ctx, kind, dir, false)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	closed := r.closed
	if !closed {
		r.started = append(r.started, rec)
	}
	r.mu.Unlock()
	if closed {
		_ = rec.stop()
		return nil, errors.New("servers already stopped (Main returned)")
	}
	return rec, nil
}

// fromRig returns the rig's server of this kind when PILOTLIGHT_RIG is set and lists it.
func (r *registry) fromRig(kind string) (*record, bool, error) {
	r.rigOnce.Do(func() {
		file := os.Getenv(RigEnv)
		if file == "" {
			return
		}
		r.rig, r.rigErr = readRigState(file)
		if r.rigErr != nil {
			r.rigErr = fmt.Errorf("%s=%s: %w", RigEnv, file, r.rigErr)
		}
	})
	if r.rigErr != nil || r.rig == nil {
		return nil, false, r.rigErr
	}
	rec, ok := r.rig.Servers[kind]
	if !ok {
		return nil, false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), rigCheckWait)
	defer cancel()
	if err := waitAnswer(ctx, rec, nil); err != nil {
		return nil, true, fmt.Errorf("%s from %s=%s (pid %d) does not answer: %w; restart it with `make rig`",
			kind, RigEnv, os.Getenv(RigEnv), rec.PID, err)
	}
	return rec, true, nil
}

func (r *registry) serverDir(kind string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.base == "" {
		base, err := os.MkdirTemp("", tempPrefix+strconv.Itoa(os.Getpid())+"-")
		if err != nil {
			return "", fmt.Errorf("create temp dir: %w", err)
		}
		r.base = base
	}
	dir := filepath.Join(r.base, kind)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	return dir, nil
}

// stopAll stops every started server (in parallel) and removes their directories.
func (r *registry) stopAll() error {
	r.mu.Lock()
	r.closed = true
	started, base := r.started, r.base
	r.started, r.base = nil, ""
	r.mu.Unlock()

	errs := make([]error, len(started))
	var wg sync.WaitGroup
	for i, rec := range started {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = rec.stop()
		}()
	}
	wg.Wait()
	if base != "" {
		if err := os.RemoveAll(base); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", base, err))
		}
	}
	return errors.Join(errs...)
}

// sweepStale removes temp dirs left by test binaries that died without running Main's
// cleanup (their servers died with them, through Pdeathsig).
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*-*"))
	for _, d := range dirs {
		rest := strings.TrimPrefix(filepath.Base(d), tempPrefix)
		pid, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, '-'), 0)])
		if err != nil || pid <= 0 || pid == os.Getpid() || pidAlive(pid) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}
