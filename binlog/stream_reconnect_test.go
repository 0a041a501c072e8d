package binlog

import (
	"fmt"
	"testing"
)

// TestStreamReconnect kills the stream's dump connection on the server between two
// transactions: the stream ends with a transient error instead of reconnecting by
// itself (Replicate reconnects, after checking the primary's history again: a
// RESET MASTER kills the dump connection too), and a stream opened again after the
// last transaction received sends the next one once.
func TestStreamReconnect(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	db, conn, schema := stSource(t, ctx)
	pfExec(t, ctx, conn, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))")
	s := stOpen(t, ctx, stPosition(t, ctx, db))
	pfExec(t, ctx, conn, "INSERT INTO t VALUES (1,'a')")
	g1 := stLastGTID(t, ctx, conn)
	stCollect(t, ctx, s, g1)
	after := stPosition(t, ctx, db)

	pfExec(t, ctx, db, fmt.Sprintf("KILL %d", s.syncer.LastConnectionID()))
	var err error
	for err == nil {
		_, err = s.Next(ctx)
	}
	if classify(err) != transientError {
		t.Fatalf("the killed stream ended with %v (%v), want a transient error", err, classify(err))
	}
	pfExec(t, ctx, conn, "INSERT INTO t VALUES (2,'b')")
	g2 := stLastGTID(t, ctx, conn)
	txns := stCollect(t, ctx, stOpen(t, ctx, after), g2)
	var mine []string
	for _, x := range txns {
		if x.begin.GTID == g1 {
			t.Errorf("transaction %s returned again after the reconnect", g1)
		}
		if x.touches(schema) {
			mine = append(mine, x.begin.GTID)
		}
	}
	if len(mine) != 1 || mine[0] != g2 {
		t.Errorf("after reconnect got %v, want [%s]", mine, g2)
	}
}
