package binlog

import (
	"fmt"
	"testing"
	"time"
)

// TestStreamReconnect kills the stream's dump connection on the server between two
// transactions: go-mysql reconnects and resends the last one, which must not come twice.
func TestStreamReconnect(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	db, conn, schema := stSource(t, ctx)
	pfExec(t, ctx, conn, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))")
	s := stOpen(t, ctx, stPosition(t, ctx, db))
	pfExec(t, ctx, conn, "INSERT INTO t VALUES (1,'a')")
	g1 := stLastGTID(t, ctx, conn)
	stCollect(t, ctx, s, g1)

	pfExec(t, ctx, db, fmt.Sprintf("KILL %d", s.syncer.LastConnectionID()))
	time.Sleep(300 * time.Millisecond) // let the syncer notice before the next write
	pfExec(t, ctx, conn, "INSERT INTO t VALUES (2,'b')")
	g2 := stLastGTID(t, ctx, conn)
	txns := stCollect(t, ctx, s, g2)
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
