package snapshot

import (
	"errors"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// TestTakeFailsOnConcurrentDDL: an ALTER TABLE that InnoDB does in place
// (which does not stop a consistent read) runs while the snapshot reads
// another, larger table: the snapshot fails naming the table, and stores
// nothing.
func TestTakeFailsOnConcurrentDDL(t *testing.T) {
	ctx := t.Context()
	src := tkNewServer(t)
	src.exec(t, "CREATE DATABASE ddl", "CREATE TABLE ddl.big (id INT PRIMARY KEY, v VARCHAR(200))",
		"INSERT INTO ddl.big SELECT seq, REPEAT('x', 200) FROM ddl.seq_1_to_20000",
		"CREATE TABLE ddl.zlast (id INT PRIMARY KEY, v INT)", "INSERT INTO ddl.zlast VALUES (1, 1)",
		"ANALYZE TABLE ddl.big, ddl.zlast")
	sink := tkFileSink(t)
	done := make(chan error, 1)
	go func() {
		// 16 KiB chunks: the big table is read first, in hundreds of chunks.
		_, err := Take(ctx, src.db, Options{Sink: sink, Threads: 2, ChunkSize: 16 << 10})
		done <- err
	}()
	deadline := time.Now().Add(30 * time.Second)
	for n := 0; n < 3; {
		n = 0
		_ = sink.List(ctx, Root, func(sinks.Object) error { n++; return nil })
		if time.Now().After(deadline) {
			t.Fatal("the snapshot stored nothing in 30 s")
		}
	}
	src.exec(t, "ALTER TABLE ddl.zlast ADD COLUMN w INT DEFAULT 5, ALGORITHM=INSTANT")
	err := <-done
	if !errors.Is(err, ErrInconsistent) {
		t.Fatalf("err = %v, want ErrInconsistent naming the altered table", err)
	}
	t.Logf("error: %v", err)
	left := 0
	_ = sink.List(ctx, "", func(sinks.Object) error { left++; return nil })
	if left != 0 {
		t.Errorf("%d objects left after the failed snapshot", left)
	}
}
