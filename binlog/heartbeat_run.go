package binlog

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// heartbeatLogEvery bounds how often the same write error is logged again.
const heartbeatLogEvery = time.Minute

// minHeartbeatWriteTimeout bounds one write when the interval is shorter: a
// write that cannot finish in this time is abandoned and retried at a later tick.
const minHeartbeatWriteTimeout = 5 * time.Second

// Run writes the heartbeat at once and then every interval until ctx ends, and
// returns nil then. A failed write (primary down, read-only, connection cut) is
// never fatal: it is logged (a new error at once, a repeated one at most once a
// minute with the count of repeats) and retried at the next tick on whatever
// connection database/sql hands out, which replaces broken ones. Ticks missed
// while a write hangs are dropped, not queued.
func (w *HeartbeatWriter) Run(ctx context.Context) error {
	t := time.NewTicker(w.every)
	defer t.Stop()
	for {
		w.beat(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// beat makes one write attempt and logs its outcome as Run documents.
func (w *HeartbeatWriter) beat(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	err := w.write(ctx)
	if ctx.Err() != nil {
		return // stopping: the error, if any, is the cancellation
	}
	if w.onWrite != nil {
		w.onWrite(err)
	}
	if err == nil {
		if n := w.throttle.succeeded(); n > 0 {
			w.logger.Info("heartbeat writes resumed", slog.String("stream", w.stream), slog.Int("failed_writes", n))
		}
		return
	}
	if log, repeats := w.throttle.failed(time.Now(), err); log {
		w.logger.Warn("heartbeat write failed; retrying at every interval", slog.String("stream", w.stream),
			slog.String("interval", w.every.String()), slog.String("error", err.Error()),
			slog.Int("repeats_not_logged", repeats))
	}
}

// write upserts the stream's row once.
func (w *HeartbeatWriter) write(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, max(w.every, minHeartbeatWriteTimeout))
	defer cancel()
	if _, err := w.db.ExecContext(ctx, heartbeatWrite(w.schema), w.stream); err != nil {
		return fmt.Errorf("write heartbeat to %s on the primary: %w", w.table(), err)
	}
	return nil
}

// errorThrottle decides which repeated errors are worth a log line: a message
// different from the last one logged, or the same one after every has passed.
// It is used by one goroutine.
type errorThrottle struct {
	every      time.Duration
	last       string
	lastAt     time.Time
	suppressed int // failures not logged since the last logged one
	failures   int // failures since the last success
}

// failed records a failure at now; log says whether to log it, repeats how many
// failures were not logged since the last one that was.
func (th *errorThrottle) failed(now time.Time, err error) (log bool, repeats int) {
	th.failures++
	msg := err.Error()
	if msg != th.last || now.Sub(th.lastAt) >= th.every {
		repeats, th.suppressed = th.suppressed, 0
		th.last, th.lastAt = msg, now
		return true, repeats
	}
	th.suppressed++
	return false, 0
}

// succeeded records a success and returns the failures since the previous one;
// the next failure is logged whatever its message.
func (th *errorThrottle) succeeded() int {
	n := th.failures
	*th = errorThrottle{every: th.every}
	return n
}
