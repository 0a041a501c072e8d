package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// shutdownTimeout bounds a clean SIGTERM shutdown of a private MariaDB. It is generous:
// a clean stop flushes InnoDB, and a test that asked for a clean stop wants one.
const shutdownTimeout = 60 * time.Second

// MariaDB is a MariaDB instance private to one test (NewMariaDB): configured like the
// shared primary and standby, and the test may stop, kill and restart it. The embedded
// *MySQLServer gives its address, URL and DSN, which stay the same across restarts (the
// same port and data directory).
//
// Start, Stop, Restart and Kill end the test on failure, so call them from the test's
// goroutine; they are safe to call while clients are connected.
type MariaDB struct {
	*MySQLServer
	dir  string // holds data/, sock, pid and server.log
	bin  string // mariadbd
	args []string

	mu   sync.Mutex
	proc *process // nil while stopped
}

// MariaDBOption configures NewMariaDB.
type MariaDBOption func(*mariaDBConfig)

type mariaDBConfig struct {
	serverID, domainID int
	extra              []string
}

// WithServerID sets @@server_id (default: the server's port, unique among running servers).
func WithServerID(id int) MariaDBOption { return func(c *mariaDBConfig) { c.serverID = id } }

// WithGTIDDomain sets @@gtid_domain_id (--gtid-domain-id; default 0).
func WithGTIDDomain(id int) MariaDBOption { return func(c *mariaDBConfig) { c.domainID = id } }

// WithArgs adds mariadbd options, such as "--binlog-row-metadata=FULL" or
// "--max-binlog-size=4096"; they come last, so they override the defaults.
func WithArgs(args ...string) MariaDBOption {
	return func(c *mariaDBConfig) { c.extra = append(c.extra, args...) }
}

// NewMariaDB starts a private MariaDB 10.11 for t, on a free loopback port with its data in a
// temporary directory, and stops it (and removes the directory) when t ends. Like the shared
// servers it has GTID binary logs in ROW format with FULL row images, log-slave-updates and
// skip-name-resolve; root has no password on 127.0.0.1. A missing binary skips t (fails it in CI).
func NewMariaDB(t testing.TB, opts ...MariaDBOption) *MariaDB {
	t.Helper()
	var cfg mariaDBConfig
	for _, o := range opts {
		o(&cfg)
	}
	// A name sweepStale recognises, in case this binary dies before its cleanups run.
	dir, err := os.MkdirTemp("", tempPrefix+strconv.Itoa(os.Getpid())+"-mariadb-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	m := &MariaDB{dir: dir}
	t.Cleanup(func() {
		m.mu.Lock()
		p := m.proc
		m.proc = nil
		m.mu.Unlock()
		if p != nil {
			_ = p.stop()
		}
		_ = os.RemoveAll(dir)
	})
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout+time.Minute)
	defer cancel()
	bin, data, err := installMariaDB(ctx, dir)
	if err != nil {
		fail(t, err)
		return nil
	}
	m.bin = bin
	for attempt := 0; ; attempt++ {
		port, err := freePort(false)
		if err != nil {
			t.Fatalf("testenv: %v", err)
		}
		id := cfg.serverID
		if id == 0 {
			id = port
		}
		m.MySQLServer = &MySQLServer{Host: "127.0.0.1", Port: port, User: "root", DataDir: data,
			Socket: filepath.Join(dir, "sock"), ServerID: id}
		m.args = append(mariadbdArgs(m.MySQLServer, dir), "--gtid-domain-id="+strconv.Itoa(cfg.domainID))
		m.args = append(m.args, cfg.extra...)
		err = m.start(ctx)
		if err == nil {
			return m
		}
		if attempt == 2 || !errors.Is(err, errPortInUse) {
			t.Fatalf("testenv: start private MariaDB: %v", err)
		}
	}
}

// Dir is the directory holding the data directory, the socket and server.log.
func (m *MariaDB) Dir() string { return m.dir }

// LogPath is the server's log file (every start appends to it).
func (m *MariaDB) LogPath() string { return filepath.Join(m.dir, "server.log") }

// Running reports whether the server process is up (it may not answer yet, or any more).
func (m *MariaDB) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.proc != nil && !m.proc.hasExited()
}

// PID is the server's process id, 0 while stopped.
func (m *MariaDB) PID() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.proc == nil {
		return 0
	}
	return m.proc.pid()
}

// Start starts the stopped server again on the same port and data directory and waits
// until it answers SELECT 1.
func (m *MariaDB) Start(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := m.start(ctx); err != nil {
		t.Fatalf("testenv: start MariaDB on port %d: %v", m.Port, err)
	}
}

// Stop shuts the server down cleanly (SIGTERM) and waits for it to exit; it fails t when the
// shutdown takes longer than a minute or the server exits with an error. Connected clients
// are disconnected by the server.
func (m *MariaDB) Stop(t testing.TB) {
	t.Helper()
	exit, err := m.signalAndWait(syscall.SIGTERM, shutdownTimeout)
	if err == nil && exit != nil {
		err = fmt.Errorf("exited with %w after SIGTERM", exit)
	}
	if err != nil {
		t.Fatalf("testenv: stop MariaDB on port %d: %v\n--- %s (last lines) ---\n%s",
			m.Port, err, m.LogPath(), logTail(m.LogPath(), 30))
	}
}

// Restart is Stop then Start: a clean shutdown and a start on the same port and data.
func (m *MariaDB) Restart(t testing.TB) {
	t.Helper()
	m.Stop(t)
	m.Start(t)
}

// Kill ends the server with SIGKILL, as a crash would; Start then runs crash recovery.
func (m *MariaDB) Kill(t testing.TB) {
	t.Helper()
	if _, err := m.signalAndWait(syscall.SIGKILL, shutdownTimeout); err != nil {
		t.Fatalf("testenv: kill MariaDB on port %d: %v", m.Port, err)
	}
}

func (m *MariaDB) start(ctx context.Context) error {
	m.mu.Lock()
	running := m.proc != nil && !m.proc.hasExited()
	m.mu.Unlock()
	if running {
		return errors.New("already running")
	}
	p, err := launch(m.dir, false, nil, m.bin, m.args...)
	if err != nil {
		return err
	}
	if err := waitReady(ctx, p, m.URL(), m.check); err != nil {
		return err
	}
	m.mu.Lock()
	m.proc = p
	m.mu.Unlock()
	return nil
}

// signalAndWait sends sig to the server's process group and waits for the process to be
// reaped. exit is the process's exit status (nil for a clean exit); err says it was not
// running or did not end in time (it is then killed).
func (m *MariaDB) signalAndWait(sig syscall.Signal, limit time.Duration) (exit, err error) {
	m.mu.Lock()
	p := m.proc
	m.proc = nil
	m.mu.Unlock()
	if p == nil {
		return nil, errors.New("not running")
	}
	_ = syscall.Kill(-p.pid(), sig)
	select {
	case <-p.exited:
	case <-time.After(limit):
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.exited
		return p.err, fmt.Errorf("still running %s after %s; killed it", sig, limit)
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGKILL) // stragglers in the group
	return p.err, nil
}
