package snapshot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pilotlight-dr/pilotlight/binlog"
)

// checkpointHeld opens the worker snapshots while a shared lock on the
// stream's checkpoint row keeps pilotlight replicate from committing: every
// applier commit moves that row, so while the lock is held no commit can
// land between the workers' snapshots, and they all see the same point. The
// applier waits a few milliseconds at its checkpoint write; nothing else on
// the standby is blocked. A pending DDL marker means a DDL ran without its
// checkpoint yet: the lock is let go and taken again until it clears.
func checkpointHeld(ctx context.Context, db *sql.DB, n int, read func(context.Context, *sql.Conn) (position, error), stream string) ([]*sql.Conn, position, error) {
	for attempt := 1; attempt <= lockFreeAttempts; attempt++ {
		conns, p, err := checkpointHeldOnce(ctx, db, n, read, stream)
		if !errors.Is(err, errNotYet) {
			return conns, p, err
		}
	}
	return nil, position{}, fmt.Errorf("%w: the checkpoint of stream %s kept a pending DDL marker; retry when the applier has finished its DDL", ErrInconsistent, stream)
}

func checkpointHeldOnce(ctx context.Context, db *sql.DB, n int, read func(context.Context, *sql.Conn) (position, error), stream string) ([]*sql.Conn, position, error) {
	lock, err := db.Conn(ctx)
	if err != nil {
		return nil, position{}, fmt.Errorf("open the checkpoint lock session: %w", err)
	}
	defer discard(lock) // its transaction, and so the lock, ends with the connection
	if _, err := lock.ExecContext(ctx, "START TRANSACTION"); err != nil {
		return nil, position{}, fmt.Errorf("lock the checkpoint of stream %s: %w", stream, err)
	}
	held, err := binlog.LockCheckpointShared(ctx, lock, stream)
	if err != nil {
		return nil, position{}, err
	}
	conns, err := openSessions(ctx, db, n)
	if err != nil {
		return nil, position{}, err
	}
	var first position
	for i, c := range conns {
		p, err := read(ctx, c)
		if err != nil {
			closeAll(conns)
			return nil, position{}, err
		}
		if i == 0 {
			first = p
		} else if p != first {
			closeAll(conns)
			return nil, position{}, fmt.Errorf("%w: the workers saw different checkpoints of stream %s although the row was locked", ErrInconsistent, stream)
		}
	}
	if first.gtidSet != held {
		closeAll(conns)
		return nil, position{}, fmt.Errorf("%w: the workers saw checkpoint %s of stream %s, the locked row holds %s", ErrInconsistent, first.gtidSet, stream, held)
	}
	return conns, first, nil
}
