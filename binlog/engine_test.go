package binlog

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// TestApplyParallelConflicts writes a backlog full of conflicts from several
// sessions at once (hot rows, transfers between two rows, unique values moving from
// row to row across transactions, a table without a key, multi-row statements),
// then applies it with several workers and tiny batches: the standby must end equal.
func TestApplyParallelConflicts(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := apSetup(t, ctx,
		"CREATE TABLE acct (id INT PRIMARY KEY, bal BIGINT NOT NULL, tag INT NULL, UNIQUE KEY (tag))",
		"CREATE TABLE note (a INT, b VARCHAR(20))",
		"CREATE TABLE ci (k VARCHAR(10) COLLATE utf8mb4_general_ci PRIMARY KEY, v INT)")
	var rows []string
	for i := 1; i <= 50; i++ {
		rows = append(rows, fmt.Sprintf("(%d, 1000, %d)", i, i))
	}
	start := stPosition(t, ctx, env.pdb)
	if err := env.store.Init(ctx, start, 3); err != nil {
		t.Fatal(err)
	}
	pfExec(t, ctx, env.conn, "INSERT INTO acct VALUES "+strings.Join(rows, ", "))

	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			conn, err := env.pdb.Conn(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			rnd := rand.New(rand.NewPCG(uint64(w), 7))
			exec := func(q ...string) {
				for _, s := range q {
					_, err := conn.ExecContext(ctx, s)
					var me *mysql.MySQLError
					if errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205) {
						continue // the primary rolled it back: it never reaches the binlog
					}
					if err != nil {
						t.Errorf("%s: %v", s, err)
					}
				}
			}
			exec("USE " + env.schema)
			for i := range 60 {
				a, b := 1+rnd.IntN(50), 1+rnd.IntN(50)
				switch i % 6 {
				case 0: // a hot row
					exec(fmt.Sprintf("UPDATE acct SET bal = bal + 1 WHERE id = %d", 1+rnd.IntN(3)))
				case 1: // a transfer
					exec("BEGIN", fmt.Sprintf("UPDATE acct SET bal = bal - 5 WHERE id = %d", a),
						fmt.Sprintf("UPDATE acct SET bal = bal + 5 WHERE id = %d", b), "COMMIT")
				case 2: // a unique value moves to another row (two transactions)
					if a != b {
						exec("BEGIN", fmt.Sprintf("SELECT tag FROM acct WHERE id IN (%d, %d) FOR UPDATE", a, b),
							fmt.Sprintf("UPDATE acct SET tag = NULL WHERE tag = %d", 1000+w), "COMMIT")
						exec(fmt.Sprintf("UPDATE acct SET tag = %d WHERE id = %d AND tag IS NULL", 1000+w, b))
					}
				case 3: // a table without a key
					exec(fmt.Sprintf("INSERT INTO note VALUES (%d, 'w%d'), (%d, 'w%d')", a, w, a, w),
						fmt.Sprintf("DELETE FROM note WHERE a = %d LIMIT 1", a))
				case 4: // case-insensitive keys written in another case
					exec(fmt.Sprintf("INSERT INTO ci VALUES ('K%d', %d) ON DUPLICATE KEY UPDATE v = v + 1", a%5, i),
						fmt.Sprintf("DELETE FROM ci WHERE k = 'k%d'", b%5))
				case 5: // many rows at once
					exec(fmt.Sprintf("UPDATE acct SET bal = bal + 1 WHERE id BETWEEN %d AND %d", min(a, b), max(a, b)))
				}
			}
		})
	}
	wg.Wait()
	last := stPosition(t, ctx, env.pdb)
	lastGTID := fmt.Sprintf("0-%d-%d", 1, stLast0(last))

	cfg := ApplyConfig{Workers: 4, BatchTxns: 2}
	a, err := NewApplier(ctx, env.sdb, env.store, 3, cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Apply(ctx, &untilSource{src: apFilter{stOpen(t, ctx, start), env.schema}, last: lastGTID})
	var be *BatchError
	if errors.As(err, &be) {
		// A conflict the keys missed: the supervisor retries it one at a time.
		t.Logf("parallel batch failed (retrying serially, as Replicate does): %v", err)
		cfg.SerialUntil = be.LastGTID
		a, err = NewApplier(ctx, env.sdb, env.store, 3, cfg)
		if err != nil {
			t.Fatal(err)
		}
		err = a.Apply(ctx, &untilSource{src: apFilter{stOpen(t, ctx, start), env.schema}, last: lastGTID})
	}
	if !errors.Is(err, errEnd) {
		t.Fatalf("Apply: %v", err)
	}
	env.compare(t, ctx, "acct", "note", "ci")
	cp, _, err := env.store.Load(ctx)
	if err != nil || stLast0(cp.GTIDs) != stLast0(last) {
		t.Errorf("checkpoint %s (%v), want domain 0 at %d", cp.GTIDs, err, stLast0(last))
	}
}

// TestApplyDDLAfterCrash: a DDL that ran on the standby just before a crash, whose
// GTID the checkpoint marks as pending, is recognised as applied on the restart;
// without the mark, the same "table exists" is an error naming the transaction.
func TestApplyDDLAfterCrash(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := apSetup(t, ctx)
	start := stPosition(t, ctx, env.pdb)
	if err := env.store.Init(ctx, start, 4); err != nil {
		t.Fatal(err)
	}
	pfExec(t, ctx, env.conn, "CREATE TABLE late (id INT PRIMARY KEY, v VARCHAR(8))")
	ddl := stLastGTID(t, ctx, env.conn)
	pfExec(t, ctx, env.conn, "INSERT INTO late VALUES (1, 'a'), (2, 'b')", "CREATE TABLE copy AS SELECT * FROM late")
	last := stLastGTID(t, ctx, env.conn)
	// The standby already ran the CREATE (the crash came before its checkpoint).
	pfExec(t, ctx, env.sdb, "CREATE TABLE "+env.schema+".late (id INT PRIMARY KEY, v VARCHAR(8))")

	a, err := NewApplier(ctx, env.sdb, env.store, 4, apConfig)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Apply(ctx, &untilSource{src: apFilter{stOpen(t, ctx, start), env.schema}, last: last})
	if err == nil || !strings.Contains(err.Error(), ddl) || !strings.Contains(err.Error(), "1050") {
		t.Fatalf("DDL re-run without a pending mark: %v, want error 1050 naming %s", err, ddl)
	}
	cp, _, err := env.store.Load(ctx)
	if err != nil || cp.PendingDDL != ddl {
		t.Fatalf("after the failed DDL the checkpoint marks %q pending (%v), want %s", cp.PendingDDL, err, ddl)
	}

	// The restart finds the mark: the existing table is the DDL's own effect.
	b, err := NewApplier(ctx, env.sdb, env.store, 4, apConfig)
	if err != nil {
		t.Fatal(err)
	}
	apRun(t, ctx, b, apFilter{stOpen(t, ctx, start), env.schema}, last)
	env.compare(t, ctx, "late", "copy")
	cp, _, err = env.store.Load(ctx)
	if err != nil || cp.PendingDDL != "" || !cp.GTIDs.Contains(mustGTIDs(t, mysqlx.MariaDB, last)) {
		t.Errorf("checkpoint %s pending %q (%v), want past %s with no pending DDL", cp.GTIDs, cp.PendingDDL, err, last)
	}
}

// TestApplyLargeTransaction: a transaction larger than LargeTxnBytes is streamed
// alone (and the small ones around it still batch), with the same result.
func TestApplyLargeTransaction(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := apSetup(t, ctx, "CREATE TABLE big (id INT PRIMARY KEY, pad VARCHAR(200))")
	start := stPosition(t, ctx, env.pdb)
	if err := env.store.Init(ctx, start, 5); err != nil {
		t.Fatal(err)
	}
	pfExec(t, ctx, env.conn, "INSERT INTO big VALUES (0, 'before')",
		"INSERT INTO big SELECT seq, REPEAT(CHAR(65 + seq % 26), 150) FROM seq_1_to_3000",
		"UPDATE big SET pad = CONCAT(pad, 'x') WHERE id % 2 = 0", "INSERT INTO big VALUES (-1, 'after')")
	last := stLastGTID(t, ctx, env.conn)
	cfg := apConfig
	cfg.LargeTxnBytes = 64 << 10
	a, err := NewApplier(ctx, env.sdb, env.store, 5, cfg)
	if err != nil {
		t.Fatal(err)
	}
	apRun(t, ctx, a, apFilter{stOpen(t, ctx, start), env.schema}, last)
	env.compare(t, ctx, "big")
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want errorKind
	}{
		{fmt.Errorf("x: %w", ErrFenced), fatalError},
		{&BatchError{Err: fmt.Errorf("x: %w", ErrFenced)}, fatalError},
		{&BatchError{Err: fmt.Errorf("x: %w", ErrDiverged)}, batchError},
		{fmt.Errorf("x: %w", ErrDiverged), fatalError},
		{fmt.Errorf("read binlog: %w", context.DeadlineExceeded), transientError},
		{errors.New("something new"), unknownError},
		{fmt.Errorf("standby: %w", ErrSchemaMismatch), fatalError},
	} {
		if got := classify(c.err); got != c.want {
			t.Errorf("classify(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

// TestApplyObservesHeartbeats: a heartbeat row written on the primary is never
// applied, but once its transaction commits on the standby its time is the
// stream's freshness, and every committed batch shows in the metrics.
func TestApplyObservesHeartbeats(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := apSetup(t, ctx, "CREATE TABLE t (id INT PRIMARY KEY)")
	start := stPosition(t, ctx, env.pdb)
	if err := env.store.Init(ctx, start, 6); err != nil {
		t.Fatal(err)
	}
	w := hbWriter(t, hbPrimary(t, "+00:00"), hbStream(), time.Second)
	if err := w.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.write(ctx); err != nil {
		t.Fatal(err)
	}
	var beat string
	if err := env.pdb.QueryRowContext(ctx, "SELECT DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f') FROM "+w.table()+
		" WHERE stream_id = ?", w.stream).Scan(&beat); err != nil {
		t.Fatal(err)
	}
	pfExec(t, ctx, env.conn, "INSERT INTO t VALUES (1), (2)", "INSERT INTO t VALUES (3)")
	last := stLastGTID(t, ctx, env.conn)
	m, err := NewMetrics("hb-apply", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := apConfig
	cfg.Metrics = m
	a, err := NewApplier(ctx, env.sdb, env.store, 6, cfg)
	if err != nil {
		t.Fatal(err)
	}
	apRun(t, ctx, a, filterKeep{apFilter{stOpen(t, ctx, start), env.schema}}, last)
	env.compare(t, ctx, "t")
	want, err := time.ParseInLocation("2006-01-02 15:04:05.000000", beat, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	got := m.lastHeartbeat
	m.mu.Unlock()
	if got.Before(want) {
		t.Errorf("heartbeat freshness %s, want at least the written %s", got, want)
	}
	if n := testutil.ToFloat64(m.appliedRows); n < 3 {
		t.Errorf("applied rows %v, want at least 3", n)
	}
	if n := testutil.ToFloat64(m.events); n == 0 {
		t.Error("no events counted")
	}
	var hbRows int
	if err := env.sdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'pilotlight' "+
		"AND TABLE_NAME = 'heartbeat'").Scan(&hbRows); err == nil && hbRows > 0 {
		var n int
		if err := env.sdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM pilotlight.heartbeat WHERE stream_id = ?", w.stream).Scan(&n); err != nil || n != 0 {
			t.Errorf("the heartbeat row was applied on the standby (%d, %v)", n, err)
		}
	}
}

// filterKeep lets the pilotlight schema through apFilter (which keeps only the
// test's own database), as the command's filters do.
type filterKeep struct{ f apFilter }

func (k filterKeep) Next(ctx context.Context) (Event, error) {
	for {
		e, err := k.f.s.Next(ctx)
		if err != nil {
			return nil, err
		}
		switch x := e.(type) {
		case Rows:
			if x.Schema != k.f.schema && x.Schema != checkpointSchema {
				continue
			}
		case Query:
			if x.Schema != k.f.schema {
				continue
			}
		}
		return e, nil
	}
}

// blockingSource yields events, then blocks until ctx ends (a source with nothing
// more to send).
type blockingSource struct{ events []Event }

func (b *blockingSource) Next(ctx context.Context) (Event, error) {
	if len(b.events) == 0 {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	e := b.events[0]
	b.events = b.events[1:]
	return e, nil
}

// TestApplyFreshWhenCaughtUp: MariaDB's commit times have second resolution, so a
// standby that has applied everything the source sent is fresh as of the moment
// the last commit arrived, not as of its (rounded down, here old) commit time.
func TestApplyFreshWhenCaughtUp(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := apSetup(t, ctx, "CREATE TABLE t (id INT PRIMARY KEY)")
	if err := env.store.Init(ctx, mysqlx.GTIDSet{}, 2); err != nil {
		t.Fatal(err)
	}
	m, err := NewMetrics("fresh", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := apConfig
	cfg.Metrics = m
	a, err := NewApplier(ctx, env.sdb, env.store, 2, cfg)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cols := []ColumnMeta{{Name: "id", Type: gomysql.MYSQL_TYPE_LONG}}
	src := &blockingSource{events: []Event{Begin{GTID: "0-77-1"},
		Rows{Schema: env.schema, Table: "t", Kind: Insert, Columns: cols, Rows: [][]any{{int32(1)}}},
		Commit{GTID: "0-77-1", Timestamp: old}}}
	before := time.Now()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Apply(runCtx, src) }()
	want := mustGTIDs(t, mysqlx.MariaDB, "0-77-1")
	for !a.Applied().Contains(want) {
		select {
		case err := <-done:
			t.Fatalf("Apply ended: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	lag, ok := m.Lag(time.Now())
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Apply after the stop: %v, want it to wrap context.Canceled", err)
	}
	if !ok || lag > time.Since(before) {
		t.Errorf("lag %s (known %v) once caught up, want at most %s: the last commit's old timestamp must not count",
			lag, ok, time.Since(before))
	}
}

// chanSource yields what the test sends, until the channel is closed (then errEnd).
type chanSource chan Event

func (c chanSource) Next(ctx context.Context) (Event, error) {
	select {
	case e, ok := <-c:
		if !ok {
			return nil, errEnd
		}
		return e, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestApplyStopCompletesTheTransactionInFlight: a stop requested in the middle of a
// source transaction waits for the rest of it and commits it with its checkpoint.
func TestApplyStopCompletesTheTransactionInFlight(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := apSetup(t, ctx, "CREATE TABLE t (id INT PRIMARY KEY)")
	if err := env.store.Init(ctx, mysqlx.GTIDSet{}, 3); err != nil {
		t.Fatal(err)
	}
	m, err := NewMetrics("stop", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := apConfig
	cfg.Metrics = m
	a, err := NewApplier(ctx, env.sdb, env.store, 3, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cols := []ColumnMeta{{Name: "id", Type: gomysql.MYSQL_TYPE_LONG}}
	ins := func(id int32) Rows {
		return Rows{Schema: env.schema, Table: "t", Kind: Insert, Columns: cols, Rows: [][]any{{id}}}
	}
	src := make(chanSource, 8)
	src <- Begin{GTID: "0-78-1"}
	src <- ins(1)
	stop, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Apply(stop, src) }()
	for testutil.ToFloat64(m.events) < 2 { // the transaction has begun
		time.Sleep(time.Millisecond)
	}
	cancel() // SIGTERM in the middle of the transaction
	select {
	case err := <-done:
		t.Fatalf("Apply returned before the transaction in flight was whole: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	src <- ins(2)
	src <- Commit{GTID: "0-78-1", Timestamp: time.Now()}
	src <- Begin{GTID: "0-78-2"} // after the stop: never applied
	src <- ins(3)
	src <- Commit{GTID: "0-78-2", Timestamp: time.Now()}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply after a stop: %v, want it to wrap context.Canceled", err)
	}
	var n int
	if err := env.sdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+env.schema+".t").Scan(&n); err != nil || n != 2 {
		t.Errorf("standby holds %d rows (%v), want 2: the transaction in flight, whole, and nothing after it", n, err)
	}
	cp, _, err := env.store.Load(ctx)
	if err != nil || cp.GTIDs.String() != "0-78-1" {
		t.Errorf("checkpoint %s (%v), want 0-78-1", cp.GTIDs, err)
	}
}
