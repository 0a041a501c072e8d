package binlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ErrRPOBreached is wrapped by RPOWatch.Check while the lag is over the RPO
// target.
var ErrRPOBreached = errors.New("replication lag over RPO target")

// ErrLagUnknown is wrapped by RPOWatch.Check before any applied transaction
// or heartbeat has shown how fresh the standby is.
var ErrLagUnknown = errors.New("replication lag unknown")

// RPOWatch enforces an RPO target on a stream's lag. It is evaluated on
// every Metrics observation, on every scrape and /readyz, and on a ticker
// (Run), so an applier that has stopped observing anything is still caught.
// Entering a breach logs one WARN and counts rpo_breaches_total once;
// recovering logs one INFO. Nothing is logged while the state holds.
//
// An unknown lag (nothing applied and no heartbeat yet) is not a breach: it
// fails Check, and so /readyz, but does not flip rpo_breached, which only
// reports a measured lag over the target.
type RPOWatch struct {
	m      *Metrics
	target time.Duration
	logger *slog.Logger

	mu       sync.Mutex // serializes transitions so each logs exactly once
	breached bool
	since    time.Time // when the current breach began
}

// rpoStatus is one evaluation of the watch.
type rpoStatus struct {
	lag      time.Duration
	known    bool
	breached bool
}

// NewRPOWatch attaches an RPO target to m. target must be positive; a nil
// logger means slog.Default().
func NewRPOWatch(m *Metrics, target time.Duration, logger *slog.Logger) (*RPOWatch, error) {
	if m == nil {
		return nil, errors.New("rpo watch: metrics are nil")
	}
	if target <= 0 {
		return nil, fmt.Errorf("rpo watch: target must be positive, got %s", target)
	}
	if logger == nil {
		logger = slog.Default()
	}
	w := &RPOWatch{m: m, target: target, logger: logger}
	if err := m.attach(w); err != nil {
		return nil, fmt.Errorf("rpo watch: %w", err)
	}
	return w, nil
}

// Target is the RPO target.
func (w *RPOWatch) Target() time.Duration { return w.target }

// Check evaluates the lag now and returns nil when the RPO is met, or an
// error wrapping ErrRPOBreached or ErrLagUnknown with a one-line reason.
func (w *RPOWatch) Check() error {
	st := w.check()
	switch {
	case !st.known:
		return fmt.Errorf("%w: no transaction applied and no heartbeat seen yet", ErrLagUnknown)
	case st.breached:
		return fmt.Errorf("%w: lag %s exceeds RPO %s", ErrRPOBreached, st.lag.Round(time.Millisecond), w.target)
	}
	return nil
}

// check evaluates the lag against the target and handles a transition.
func (w *RPOWatch) check() rpoStatus {
	now := w.m.now()
	lag, known := w.m.Lag(now)
	st := rpoStatus{lag: lag, known: known, breached: known && lag > w.target}

	w.mu.Lock()
	defer w.mu.Unlock()
	// An unknown lag keeps the previous state: it only happens before the
	// first observation, and it must not fake a recovery.
	if !known || st.breached == w.breached {
		st.breached = w.breached
		return st
	}
	w.breached = st.breached
	attrs := []any{
		slog.String("stream", w.m.stream),
		slog.Duration("lag", lag),
		slog.Duration("rpo", w.target),
	}
	if st.breached {
		w.since = now
		w.m.rpoBreaches.Inc()
		w.logger.Warn("replication lag exceeds RPO target", attrs...)
	} else {
		w.logger.Info("replication lag back within RPO target",
			append(attrs, slog.Duration("breach_duration", now.Sub(w.since)))...)
	}
	return st
}

// Run evaluates the watch every interval until ctx is done, then returns
// nil. It blocks; run it in the goroutine group that owns the stream.
func (w *RPOWatch) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("rpo watch: interval must be positive, got %s", interval)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	w.run(ctx, t.C)
	return nil
}

// run is Run with the ticks injected, for tests.
func (w *RPOWatch) run(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			w.check()
		}
	}
}
