package binlog

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func newTestWatch(t *testing.T, clock *metricsClock, target time.Duration) (*Metrics, *RPOWatch, *logBuffer) {
	t.Helper()
	m := newTestMetrics(t, clock)
	logger, buf := newCapturedLogger()
	w, err := NewRPOWatch(m, target, logger)
	if err != nil {
		t.Fatalf("NewRPOWatch: %v", err)
	}
	return m, w, buf
}

func countLogs(buf *logBuffer, level, msg string) int {
	n := 0
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.Contains(line, "level="+level) && strings.Contains(line, msg) {
			n++
		}
	}
	return n
}

const (
	breachMsg   = "replication lag exceeds RPO target"
	recoveryMsg = "replication lag back within RPO target"
)

func TestRPOWatchBreachAndRecoveryLogOnce(t *testing.T) {
	clock := newMetricsClock()
	m, w, logs := newTestWatch(t, clock, time.Second)
	t0 := clock.Now()

	m.ObserveApplied(1, 1, 10, t0)
	clock.Advance(500 * time.Millisecond)
	if err := w.Check(); err != nil {
		t.Fatalf("Check within RPO: %v", err)
	}
	if got := scrapeValue(t, m, "rpo_seconds"); got != 1 {
		t.Errorf("rpo_seconds = %v, want 1", got)
	}

	// Lag 1.5 s > 1 s. Evaluated on every check, scrape and most observations;
	// only the first notices the transition.
	clock.Advance(time.Second)
	m.ObserveEvent()
	m.ObserveEvent()
	err := w.Check()
	if !errors.Is(err, ErrRPOBreached) || !strings.Contains(err.Error(), "lag 1.5s exceeds RPO 1s") {
		t.Fatalf("Check in breach = %v, want ErrRPOBreached with lag and target", err)
	}
	if got := scrapeValue(t, m, "rpo_breached"); got != 1 {
		t.Errorf("rpo_breached = %v, want 1", got)
	}
	clock.Advance(time.Minute) // deeper into the breach: still the same breach
	m.ObserveReconnect()
	_ = w.Check()
	if n := countLogs(logs, "WARN", breachMsg); n != 1 {
		t.Fatalf("breach WARN logged %d times, want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "lag=1.5s rpo=1s") || !strings.Contains(logs.String(), "stream=s1") {
		t.Errorf("breach log lacks lag, target or stream:\n%s", logs)
	}
	if got := testutil.ToFloat64(m.rpoBreaches); got != 1 {
		t.Fatalf("rpo_breaches_total = %v, want 1", got)
	}

	// The applier catches up: one INFO, the gauge flips back.
	m.ObserveApplied(5, 5, 50, clock.Now().Add(-100*time.Millisecond))
	m.ObserveApplied(1, 1, 10, clock.Now())
	if err := w.Check(); err != nil {
		t.Fatalf("Check after catching up: %v", err)
	}
	if n := countLogs(logs, "INFO", recoveryMsg); n != 1 {
		t.Fatalf("recovery INFO logged %d times, want 1:\n%s", n, logs)
	}
	if got := scrapeValue(t, m, "rpo_breached"); got != 0 {
		t.Errorf("rpo_breached after recovery = %v, want 0", got)
	}

	// A second breach counts again, caught by a scrape alone.
	clock.Advance(2 * time.Second)
	if got := scrapeValue(t, m, "rpo_breached"); got != 1 {
		t.Errorf("rpo_breached in second breach = %v, want 1", got)
	}
	if got := scrapeValue(t, m, "rpo_breaches_total"); got != 2 {
		t.Errorf("rpo_breaches_total = %v, want 2", got)
	}
	if n := countLogs(logs, "WARN", breachMsg); n != 2 {
		t.Errorf("breach WARN logged %d times over two breaches, want 2:\n%s", n, logs)
	}
}

func TestRPOWatchExactlyAtTargetIsMet(t *testing.T) {
	clock := newMetricsClock()
	m, w, logs := newTestWatch(t, clock, time.Second)
	m.ObserveApplied(1, 1, 1, clock.Now())
	clock.Advance(time.Second)
	if err := w.Check(); err != nil {
		t.Fatalf("lag == RPO: %v, want met", err)
	}
	if logs.String() != "" {
		t.Errorf("logged while within RPO:\n%s", logs)
	}
}

func TestRPOWatchUnknownLag(t *testing.T) {
	clock := newMetricsClock()
	m, w, logs := newTestWatch(t, clock, time.Second)
	clock.Advance(time.Hour)
	if err := w.Check(); !errors.Is(err, ErrLagUnknown) {
		t.Fatalf("Check before any observation = %v, want ErrLagUnknown", err)
	}
	if got := scrapeValue(t, m, "rpo_breached"); got != 0 {
		t.Errorf("rpo_breached with unknown lag = %v, want 0", got)
	}
	if got := testutil.ToFloat64(m.rpoBreaches); got != 0 || logs.String() != "" {
		t.Errorf("unknown lag counted (%v) or logged:\n%s", got, logs)
	}
}

func TestRPOWatchTicker(t *testing.T) {
	clock := newMetricsClock()
	m, w, logs := newTestWatch(t, clock, time.Second)
	m.ObserveApplied(1, 1, 1, clock.Now())
	clock.Advance(5 * time.Second) // the applier went silent: only the ticker can notice

	ctx, cancel := context.WithCancel(t.Context())
	ticks := make(chan time.Time)
	done := make(chan struct{})
	go func() { defer close(done); w.run(ctx, ticks) }()
	ticks <- clock.Now()
	ticks <- clock.Now() // accepted only once the first tick's evaluation finished
	cancel()
	<-done
	if n := countLogs(logs, "WARN", breachMsg); n != 1 {
		t.Fatalf("ticker breach WARN logged %d times, want 1:\n%s", n, logs)
	}
	if got := testutil.ToFloat64(m.rpoBreaches); got != 1 {
		t.Fatalf("rpo_breaches_total = %v, want 1", got)
	}
	if err := w.Run(ctx, time.Second); err != nil {
		t.Errorf("Run on a cancelled context = %v, want nil", err)
	}
	if err := w.Run(ctx, 0); err == nil {
		t.Error("Run with a zero interval: want error")
	}
}

func TestNewRPOWatchValidates(t *testing.T) {
	clock := newMetricsClock()
	m := newTestMetrics(t, clock)
	if _, err := NewRPOWatch(m, 0, nil); err == nil {
		t.Error("zero target: want error")
	}
	if _, err := NewRPOWatch(nil, time.Second, nil); err == nil {
		t.Error("nil metrics: want error")
	}
	if _, err := NewRPOWatch(m, time.Second, nil); err != nil {
		t.Fatalf("first watch: %v", err)
	}
	if _, err := NewRPOWatch(m, time.Second, nil); err == nil {
		t.Error("second watch on the same metrics: want error")
	}
}
