package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestCheckpointHeld runs the standby method's fallback against an applier
// that commits a row and its checkpoint together as fast as it can: every
// time, all workers see the same checkpoint and exactly the rows it names,
// and the applier goes on committing afterwards.
func TestCheckpointHeld(t *testing.T) {
	ctx := t.Context()
	s := tkNewServer(t)
	s.exec(t, "CREATE DATABASE pilotlight", "CREATE DATABASE app",
		"CREATE TABLE pilotlight.checkpoint (stream_id VARCHAR(64) PRIMARY KEY, gtid_set TEXT NOT NULL, pending_ddl VARCHAR(128) NULL)",
		"INSERT INTO pilotlight.checkpoint VALUES ('s', '0-1-0', NULL)",
		"CREATE TABLE app.t (id INT PRIMARY KEY)",
		"SET GLOBAL innodb_flush_log_at_trx_commit = 2, GLOBAL sync_binlog = 0") // thousands of commits a second

	stop := make(chan struct{})
	var commits atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the applier: each row and its checkpoint in one transaction
		defer wg.Done()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			tx, err := s.db.BeginTx(ctx, nil)
			if err == nil {
				_, err = tx.Exec("INSERT INTO app.t VALUES (?)", i)
			}
			if err == nil {
				_, err = tx.Exec("UPDATE pilotlight.checkpoint SET gtid_set = ? WHERE stream_id = 's'", fmt.Sprintf("0-1-%d", i))
			}
			if err == nil {
				err = tx.Commit()
			}
			if err != nil {
				if ctx.Err() == nil {
					t.Errorf("applier: %v", err)
				}
				return
			}
			commits.Add(1)
		}
	}()
	read := func(ctx context.Context, c *sql.Conn) (position, error) { return readCheckpoint(ctx, c, "s") }
	for round := 0; round < 10; round++ {
		conns, p, err := checkpointHeld(ctx, s.db, 4, read, "s")
		if err != nil {
			t.Fatal(err)
		}
		want, err := strconv.Atoi(p.gtidSet[strings.LastIndex(p.gtidSet, "-")+1:])
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range conns {
			var n int
			if err := c.QueryRowContext(ctx, "SELECT COUNT(*) FROM app.t").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("round %d, worker %d: %d rows, its checkpoint %s names %d", round, i, n, p.gtidSet, want)
			}
		}
		closeAll(conns)
	}
	before := commits.Load()
	for commits.Load() < before+10 {
		if t.Failed() {
			break
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d applier commits during 10 held snapshots", commits.Load())
}
