package binlog

import (
	"context"
	"fmt"
	"time"
)

// Run feeds src into the applier a and records what it does in m (which may be
// nil): every event received, every transaction committed on the standby (rows
// and the source commit time, after the COMMIT that also wrote the checkpoint),
// and the checkpoint time. It returns when src or the standby fails, or when ctx
// is done; the transaction in flight is then rolled back (what was committed is
// in the checkpoint, where the next run resumes). The error wraps ctx.Err() when
// ctx ended the run. Like Apply, a failed Run leaves a to be discarded.
func Run(ctx context.Context, src EventSource, a *Applier, m *Metrics) error {
	rows := 0 // row changes of the transaction in flight
	for {
		e, err := src.Next(ctx)
		if err != nil {
			a.abort()
			return fmt.Errorf("replicate: %w", err)
		}
		if m != nil {
			m.ObserveEvent()
		}
		before := a.Applied()
		if err := a.Handle(ctx, e); err != nil {
			a.abort()
			if ctx.Err() != nil {
				return fmt.Errorf("replicate: %w (stopped: %w)", err, ctx.Err())
			}
			return err
		}
		switch e := e.(type) {
		case Begin, Rollback:
			rows = 0
		case Rows:
			rows += rowChanges(e)
		case Commit:
			if m != nil && !a.Applied().Equal(before) {
				m.ObserveApplied(1, rows, 0, e.Timestamp)
				m.ObserveCheckpoint(time.Now())
			}
			rows = 0
		}
	}
}

// rowChanges is the number of rows a Rows event changes (an update carries two
// images per row).
func rowChanges(e Rows) int {
	if e.Kind == Update {
		return len(e.Rows) / 2
	}
	return len(e.Rows)
}
