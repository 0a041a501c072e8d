package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/coord"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

// snapLockName is the snapshot lock of the server db is connected to.
func snapLockName(t *testing.T, db *sql.DB) string {
	t.Helper()
	id, err := mysqlx.ReadIdentity(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	return snapshot.LockName(id)
}

// TestSnapshotLockIsPerServerNotPerSpelling runs a snapshot of a real
// MariaDB named 127.0.0.1 and holds it mid-way (a table locked by another
// session); runs of the same server named localhost and through a TCP proxy
// on another port then exit 75 naming the first run as the holder, and a
// snapshot of another server is not held up at all.
func TestSnapshotLockIsPerServerNotPerSpelling(t *testing.T) {
	src := newSnapSource(t, 10)
	state := t.TempDir()
	env := []string{"XDG_STATE_HOME=" + state}
	addr := net.JoinHostPort(src.Host, strconv.Itoa(src.Port))
	proxy := testenv.NewProxy(t, addr)

	hold, err := src.db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	if _, err := hold.ExecContext(t.Context(), "LOCK TABLES shop.customers WRITE"); err != nil {
		t.Fatal(err)
	}
	first := plStart(t, env, "snapshot", "--source", fmt.Sprintf("mysql://root@127.0.0.1:%d/", src.Port), "--to", "file://"+t.TempDir())
	waitLockHeld(t, filepath.Join(state, "pilotlight"), snapLockName(t, src.db), first)

	for _, spelling := range []string{fmt.Sprintf("localhost:%d", src.Port), proxy.Addr()} {
		args := []string{"snapshot", "--source", "mysql://root@" + spelling + "/", "--to", "file://" + t.TempDir()}
		r := pl(t, env, nil, args...)
		r.want(t, 75, args...)
		oneLineError(t, r, "another snapshot of "+spelling+" is running")
		if want := fmt.Sprintf("held by pid %d", first.cmd.Process.Pid); !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "--wait") {
			t.Errorf("%s: stderr does not name the holder (%s) and --wait:\n%s", spelling, want, r.stderr)
		}
	}
	other := testenv.NewMariaDB(t)
	args := []string{"snapshot", "--source", fmt.Sprintf("mysql://root@127.0.0.1:%d/", other.Port), "--to", "file://" + t.TempDir()}
	pl(t, env, nil, args...).want(t, 0, args...)

	if _, err := hold.ExecContext(t.Context(), "UNLOCK TABLES"); err != nil {
		t.Fatal(err)
	}
	<-first.done
	if code := first.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("the first snapshot exited %d:\n%s", code, first.stderr())
	}
}

// waitLockHeld waits until run holds the lease name in dir (or fails when
// it exits first). It only inspects the lock, so run never finds it taken.
func waitLockHeld(t *testing.T, dir, name string, run *bgRun) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for {
		h, err := coord.InspectFile(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		if h != nil && h.PID == run.cmd.Process.Pid {
			return
		}
		select {
		case <-run.done:
			t.Fatalf("the snapshot exited (%d) before taking its lock:\n%s", run.cmd.ProcessState.ExitCode(), run.stderr())
		case <-ctx.Done():
			t.Fatalf("the snapshot did not take lock %s:\n%s", name, run.stderr())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
