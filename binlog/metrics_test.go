package binlog

import (
	"bytes"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// metricsClock is a manually advanced clock; tests never sleep.
type metricsClock struct {
	mu  sync.Mutex
	now time.Time
}

func newMetricsClock() *metricsClock {
	return &metricsClock{now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
}

func (c *metricsClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *metricsClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// logBuffer collects slog output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newCapturedLogger() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

func newTestMetrics(t *testing.T, clock *metricsClock) *Metrics {
	t.Helper()
	m, err := NewMetrics("s1", clock.Now)
	if err != nil {
		t.Fatalf("NewMetrics: %v", err)
	}
	return m
}

// gauge reads one pilotlight_replication_ series of m through a scrape.
func scrapeValue(t *testing.T, m *Metrics, name string) float64 {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	full := "pilotlight_replication_" + name
	for _, mf := range mfs {
		if mf.GetName() != full {
			continue
		}
		for _, metric := range mf.GetMetric() {
			if l := metric.GetLabel(); len(l) != 1 || l[0].GetName() != "stream" || l[0].GetValue() != "s1" {
				t.Fatalf("%s labels = %v, want stream=s1 only", full, l)
			}
			if g := metric.GetGauge(); g != nil {
				return g.GetValue()
			}
			return metric.GetCounter().GetValue()
		}
	}
	t.Fatalf("%s not exported", full)
	return 0
}

func TestMetricsObservations(t *testing.T) {
	clock := newMetricsClock()
	m := newTestMetrics(t, clock)
	t0 := clock.Now()

	m.ObserveApplied(2, 10, 500, t0)
	m.ObserveApplied(1, 3, 100, t0.Add(time.Second))
	m.ObserveApplied(1, 1, 10, t0.Add(500*time.Millisecond)) // older commit: freshness must not go back
	for range 3 {
		m.ObserveEvent()
	}
	m.ObserveReconnect()
	m.ObserveCheckpoint(t0)
	clock.Advance(1500 * time.Millisecond)

	want := `
# HELP pilotlight_replication_applied_bytes_total Bytes of SQL statements that applied the transactions on the standby.
# TYPE pilotlight_replication_applied_bytes_total counter
pilotlight_replication_applied_bytes_total{stream="s1"} 610
# HELP pilotlight_replication_applied_rows_total Row changes applied to the standby.
# TYPE pilotlight_replication_applied_rows_total counter
pilotlight_replication_applied_rows_total{stream="s1"} 14
# HELP pilotlight_replication_applied_transactions_total Transactions committed on the standby.
# TYPE pilotlight_replication_applied_transactions_total counter
pilotlight_replication_applied_transactions_total{stream="s1"} 4
# HELP pilotlight_replication_events_received_total Binlog events received from the source.
# TYPE pilotlight_replication_events_received_total counter
pilotlight_replication_events_received_total{stream="s1"} 3
# HELP pilotlight_replication_reconnects_total Reconnections to the source or the standby.
# TYPE pilotlight_replication_reconnects_total counter
pilotlight_replication_reconnects_total{stream="s1"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"pilotlight_replication_applied_bytes_total", "pilotlight_replication_applied_rows_total",
		"pilotlight_replication_applied_transactions_total", "pilotlight_replication_events_received_total",
		"pilotlight_replication_reconnects_total"); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m.appliedTxns); got != 4 {
		t.Errorf("applied_transactions_total = %v, want 4", got)
	}
	if got := scrapeValue(t, m, "lag_seconds"); got != 0.5 {
		t.Errorf("lag_seconds = %v, want 0.5", got)
	}
	if got := scrapeValue(t, m, "checkpoint_age_seconds"); got != 1.5 {
		t.Errorf("checkpoint_age_seconds = %v, want 1.5", got)
	}
	if got, want := scrapeValue(t, m, "last_applied_source_commit_timestamp_seconds"), float64(t0.Unix()+1); got != want {
		t.Errorf("last_applied_source_commit_timestamp_seconds = %v, want %v", got, want)
	}
	if lag, ok := m.Lag(clock.Now()); !ok || lag != 500*time.Millisecond {
		t.Errorf("Lag = %v, %v; want 500ms, true", lag, ok)
	}
	// Lag is computed at scrape time: a stalled applier shows it growing.
	clock.Advance(2 * time.Second)
	if got := scrapeValue(t, m, "lag_seconds"); got != 2.5 {
		t.Errorf("lag_seconds after a stall = %v, want 2.5", got)
	}
}

func TestMetricsLagUnknownUntilObserved(t *testing.T) {
	clock := newMetricsClock()
	m := newTestMetrics(t, clock)
	if lag, ok := m.Lag(clock.Now()); ok {
		t.Fatalf("Lag before any observation = %v, true; want unknown", lag)
	}
	m.ObserveEvent() // receiving events says nothing about what the standby holds
	if _, ok := m.Lag(clock.Now()); ok {
		t.Fatal("Lag known after an event only")
	}
	for _, name := range []string{"lag_seconds", "checkpoint_age_seconds"} {
		if got := scrapeValue(t, m, name); !math.IsNaN(got) {
			t.Errorf("%s before any observation = %v, want NaN", name, got)
		}
	}
	// No RPO watch: no rpo_* series that would read as a target of 0.
	if n, err := testutil.GatherAndCount(m.Registry(), "pilotlight_replication_rpo_seconds"); err != nil || n != 0 {
		t.Errorf("rpo_seconds series without a watch = %d (%v), want 0", n, err)
	}
}

func TestMetricsHeartbeatProvesIdleSourceFresh(t *testing.T) {
	clock := newMetricsClock()
	m := newTestMetrics(t, clock)
	t0 := clock.Now()
	m.ObserveApplied(1, 1, 50, t0)
	clock.Advance(10 * time.Second) // primary idle for 10 s

	if lag, _ := m.Lag(clock.Now()); lag != 10*time.Second {
		t.Fatalf("idle lag without heartbeat = %v, want 10s", lag)
	}
	m.ObserveHeartbeat(t0.Add(9800 * time.Millisecond))
	if lag, _ := m.Lag(clock.Now()); lag != 200*time.Millisecond {
		t.Fatalf("lag after heartbeat = %v, want 200ms", lag)
	}
	m.ObserveHeartbeat(t0.Add(time.Second)) // an old, reordered heartbeat changes nothing
	if lag, _ := m.Lag(clock.Now()); lag != 200*time.Millisecond {
		t.Fatalf("lag after an older heartbeat = %v, want 200ms", lag)
	}
	// A heartbeat alone makes the lag known.
	m2 := newTestMetrics(t, clock)
	m2.ObserveHeartbeat(clock.Now().Add(-time.Second))
	if lag, ok := m2.Lag(clock.Now()); !ok || lag != time.Second {
		t.Fatalf("heartbeat-only lag = %v, %v; want 1s, true", lag, ok)
	}
	// The primary's clock ahead of ours: clamp, never negative.
	m2.ObserveApplied(1, 1, 1, clock.Now().Add(3*time.Second))
	if lag, ok := m2.Lag(clock.Now()); !ok || lag != 0 {
		t.Fatalf("lag with source clock ahead = %v, %v; want 0, true", lag, ok)
	}
}

func TestNewMetricsValidates(t *testing.T) {
	if _, err := NewMetrics("", nil); err == nil {
		t.Fatal("NewMetrics with an empty stream: want error")
	}
	// Own registries: two streams in one process do not collide.
	a, err := NewMetrics("a", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewMetrics("b", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Registry() == b.Registry() {
		t.Fatal("two Metrics share a registry")
	}
}
