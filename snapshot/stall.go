package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// ErrStalled: a sink took no data for longer than the stall timeout.
var ErrStalled = errors.New("snapshot: a sink stopped taking data")

// DefaultStallTimeout is how long an upload may take no data before the
// snapshot gives up on it: long enough for a slow link to send one part,
// short enough that a network that silently drops packets (a firewall, a
// dead NAT mapping) fails the cron run instead of hanging it for the
// operating system's TCP timeout, a quarter of an hour or more.
const DefaultStallTimeout = 2 * time.Minute

// watchdog cancels an upload when its writer has made no progress for
// limit. Progress is every write the sink accepts; after the last one, the
// sink's own completion (the last part, the commit of the object) gets
// limit too.
type watchdog struct {
	last   atomic.Int64 // unix nanoseconds of the last progress
	cancel context.CancelCauseFunc
	stop   chan struct{}
}

// watch returns a context that is cancelled, with ErrStalled as its cause,
// when no progress is reported for limit; stop ends the watch.
func watch(ctx context.Context, limit time.Duration, what string) (context.Context, *watchdog) {
	ctx, cancel := context.WithCancelCause(ctx)
	w := &watchdog{cancel: cancel, stop: make(chan struct{})}
	w.progress()
	go func() {
		t := time.NewTicker(max(limit/8, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if time.Since(time.Unix(0, w.last.Load())) > limit {
					cancel(fmt.Errorf("%w: %s made no progress for %s (network or storage unreachable?); raise --stall-timeout for very slow links", ErrStalled, what, limit))
					return
				}
			}
		}
	}()
	return ctx, w
}

func (w *watchdog) progress() { w.last.Store(time.Now().UnixNano()) }

// done ends the watch and releases its context.
func (w *watchdog) done() {
	close(w.stop)
	w.cancel(nil)
}

// progressWriter reports every accepted write to the watchdog.
type progressWriter struct {
	w  io.Writer
	wd *watchdog
}

func (p progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.wd.progress()
	return n, err
}
