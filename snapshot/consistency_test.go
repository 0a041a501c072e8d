package snapshot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// TestTakeConsistentUnderLoad snapshots a primary while sysbench writes to it,
// with each method a primary allows, and compares the snapshot, loaded into a
// fresh server with the stock client, with a native replica of the primary
// stopped exactly at the manifest's GTID position (START SLAVE UNTIL
// master_gtid_pos): every table must be equal.
func TestTakeConsistentUnderLoad(t *testing.T) {
	for _, method := range []string{MethodLockFree, MethodFlushLock} {
		t.Run(method, func(t *testing.T) { tkConsistentUnderLoad(t, method) })
	}
}

func tkConsistentUnderLoad(t *testing.T, method string) {
	ctx := t.Context()
	src, replica, dst := tkNewServer(t), tkNewServer(t), tkNewServer(t)
	// The replica follows from the primary's first transaction, but only up
	// to the snapshot's point, once it is known.
	replica.exec(t, fmt.Sprintf("CHANGE MASTER TO MASTER_HOST='%s', MASTER_PORT=%d, MASTER_USER='root', MASTER_USE_GTID=slave_pos",
		src.Host, src.Port))
	src.exec(t, "CREATE DATABASE sb")
	const tables = 4
	if out, err := testenv.Sysbench(ctx, src.MySQLServer, "oltp_write_only", "--mysql-db=sb", fmt.Sprintf("--tables=%d", tables),
		"--table-size=20000", "prepare"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}

	load, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	var loadErr error
	go func() {
		defer wg.Done()
		_, loadErr = testenv.Sysbench(load, src.MySQLServer, "oltp_write_only", "--mysql-db=sb", fmt.Sprintf("--tables=%d", tables),
			"--table-size=20000", "--threads=4", "--time=60", "run")
	}()
	time.Sleep(500 * time.Millisecond) // writes going on
	sink := tkFileSink(t)
	m, err := Take(ctx, src.db, Options{Sink: sink, Threads: 3, ChunkSize: 1 << 20, Consistency: method})
	stop()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if loadErr != nil && !strings.Contains(loadErr.Error(), "signal") && ctx.Err() == nil && !errors.Is(loadErr, context.Canceled) {
		t.Logf("sysbench ended: %v", loadErr)
	}
	if m.Consistency != method {
		t.Errorf("manifest consistency %q, want %q", m.Consistency, method)
	}
	if m.GTIDSet == "" {
		t.Fatal("manifest has no gtid_set")
	}
	var after string
	if err := src.db.QueryRowContext(ctx, "SELECT @@gtid_binlog_pos").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after == m.GTIDSet {
		t.Fatalf("the primary's position %s did not move after the snapshot: the load did not overlap it", after)
	}
	chunks := 0
	for _, tb := range m.Schemas[0].Tables {
		chunks += len(tb.Chunks)
	}
	if chunks <= tables {
		t.Errorf("%d chunks for %d tables: want tables cut into several key ranges", chunks, tables)
	}

	replica.exec(t, "START SLAVE UNTIL master_gtid_pos = '"+m.GTIDSet+"'")
	tkWaitReplicaStopped(t, replica.db, m.GTIDSet)
	tkLoad(t, dst, tkScript(t, ctx, sink, m))
	var names []string
	for i := 1; i <= tables; i++ {
		names = append(names, fmt.Sprintf("sb.sbtest%d", i))
	}
	if got, want := tkChecksums(t, dst.db, names...), tkChecksums(t, replica.db, names...); got != want {
		t.Errorf("snapshot at %s differs from the replica stopped there:\n snapshot %s\n replica  %s", m.GTIDSet, got, want)
	}
}

// tkWaitReplicaStopped waits until the replica's SQL thread stopped at the
// UNTIL position and checks that it applied exactly up to it.
func tkWaitReplicaStopped(t *testing.T, db *sql.DB, want string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var pos string
		if err := db.QueryRowContext(t.Context(), "SELECT @@gtid_slave_pos").Scan(&pos); err != nil {
			t.Fatal(err)
		}
		running := tkReplicaSQLRunning(t, db)
		if !running {
			if pos != want {
				t.Fatalf("the replica stopped at %s, want %s", pos, want)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not stop at %s within 60 s (at %s)", want, pos)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tkReplicaSQLRunning(t *testing.T, db *sql.DB) bool {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "SHOW SLAVE STATUS")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		return false
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	for i, c := range cols {
		switch c {
		case "Slave_SQL_Running":
			if vals[i].String == "Yes" {
				return true
			}
		case "Last_SQL_Error":
			if vals[i].String != "" {
				t.Fatalf("replica error: %s", vals[i].String)
			}
		}
	}
	return false
}
