package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// TestHeartbeatRunSurvivesErrors: against a primary that refuses connections, Run
// keeps trying, logs the repeated error once, and returns nil when stopped.
func TestHeartbeatRunSurvivesErrors(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now: connection refused
	db, err := sql.Open("mysql", "root@tcp("+addr+")/?timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logger, logs := newCapturedLogger()
	w, err := NewHeartbeatWriter(db, hbStream(), MinHeartbeatInterval, logger)
	if err != nil {
		t.Fatal(err)
	}
	attempts := make(chan error, 100)
	w.onWrite = func(err error) {
		select {
		case attempts <- err:
		default: // never block the writer
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	for i := range 4 {
		if err := <-attempts; err == nil {
			t.Fatalf("write %d to a closed port succeeded", i)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
	out := logs.String()
	if n := strings.Count(out, "heartbeat write failed"); n != 1 || !strings.Contains(out, "connection refused") {
		t.Errorf("logged %d failures for 4 identical errors, want 1 naming the cause:\n%s", n, out)
	}
}

// TestHeartbeatRunReconnects: the writer's connection is killed on the server;
// later heartbeats are written on a new one.
func TestHeartbeatRunReconnects(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	db := hbPrimary(t, "+00:00")
	db.SetMaxOpenConns(1)
	admin := hbPrimary(t, "+00:00")
	stream := hbStream()
	w := hbWriter(t, db, stream, MinHeartbeatInterval)
	if err := w.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	var oldID int64
	if err := db.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&oldID); err != nil {
		t.Fatal(err)
	}
	attempts := make(chan error, 1000)
	w.onWrite = func(err error) {
		select {
		case attempts <- err:
		default: // never block the writer
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	if err := <-attempts; err != nil {
		t.Fatalf("first heartbeat: %v", err)
	}
	pfExec(t, ctx, admin, fmt.Sprintf("KILL CONNECTION %d", oldID))
	killedAt := serverUTC(t, ctx, admin)
	for {
		select {
		case err := <-attempts:
			if err != nil {
				t.Logf("write after KILL: %v", err)
				continue
			}
		case <-ctx.Done():
			t.Fatal("no heartbeat written after the connection was killed")
		}
		var ts string
		if err := admin.QueryRowContext(ctx, "SELECT DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f') FROM "+w.table()+
			" WHERE stream_id = ?", stream).Scan(&ts); err != nil {
			t.Fatal(err)
		}
		if got, _ := heartbeatTime(ts); got.After(killedAt) {
			break
		}
	}
	var newID int64
	if err := db.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&newID); err != nil || newID == oldID {
		t.Errorf("connection id after KILL = %d (%v), was %d", newID, err, oldID)
	}
}

func TestHeartbeatThrottle(t *testing.T) {
	th := errorThrottle{every: time.Minute}
	t0 := time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)
	refused, denied := errors.New("connection refused"), errors.New("read-only")
	steps := []struct {
		at      time.Duration
		err     error
		log     bool
		repeats int
	}{
		{0, refused, true, 0},
		{time.Second, refused, false, 0},
		{2 * time.Second, refused, false, 0},
		{3 * time.Second, denied, true, 2}, // a new message is logged at once
		{4 * time.Second, denied, false, 0},
		{63 * time.Second, denied, true, 1}, // the same one again after a minute
	}
	for i, s := range steps {
		log, repeats := th.failed(t0.Add(s.at), s.err)
		if log != s.log || repeats != s.repeats {
			t.Errorf("step %d (%v at %s): log %v repeats %d, want %v %d", i, s.err, s.at, log, repeats, s.log, s.repeats)
		}
	}
	if n := th.succeeded(); n != len(steps) {
		t.Errorf("succeeded after %d failures returned %d", len(steps), n)
	}
	if log, _ := th.failed(t0.Add(64*time.Second), denied); !log {
		t.Error("the first failure after a success was not logged")
	}
}

func TestNewHeartbeatWriterRefuses(t *testing.T) {
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:1)/")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		db     *sql.DB
		stream string
		every  time.Duration
		want   string
	}{
		{nil, "s", time.Second, "db is nil"},
		{db, "bad stream", time.Second, "stream id"},
		{db, "", time.Second, "stream id"},
		{db, "s", 99 * time.Millisecond, "below the minimum 100ms"},
		{db, "s", 0, "below the minimum"},
	} {
		if _, err := NewHeartbeatWriter(c.db, c.stream, c.every, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewHeartbeatWriter(%q, %s) = %v, want %q", c.stream, c.every, err, c.want)
		}
	}
}
