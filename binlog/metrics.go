package binlog

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

const metricsNamespace = "pilotlight"
const metricsSubsystem = "replication"

// Metrics is the replication sidecar's Prometheus instrumentation for one
// stream. It owns its registry (never the global default one), so two
// streams in one process, or two tests, never collide.
//
// Lag is measured the way PITFALLS.md ("Lag that lies") asks: from the
// source's commit timestamp of the last applied transaction, or from a
// heartbeat written on the primary, whichever is newer; never from event
// header times of statement starts. Lag and checkpoint age are computed at
// scrape time, so a stalled applier shows a growing lag instead of the last
// value it happened to set.
//
// All methods are safe for concurrent use.
type Metrics struct {
	stream string
	now    func() time.Time
	reg    *prometheus.Registry

	mu            sync.Mutex
	lastCommit    time.Time // newest source commit time applied
	lastHeartbeat time.Time // newest heartbeat source time seen while caught up
	lastCkpt      time.Time // local time of the last durable checkpoint

	watch atomic.Pointer[RPOWatch]

	lastCommitTS  prometheus.Gauge
	appliedTxns   prometheus.Counter
	appliedRows   prometheus.Counter
	appliedBytes  prometheus.Counter
	events        prometheus.Counter
	reconnects    prometheus.Counter
	skippedAcct   prometheus.Counter
	rpoTarget     prometheus.Gauge
	rpoBreaches   prometheus.Counter
	rpoBreachedFn prometheus.GaugeFunc
}

// NewMetrics returns the metrics of one replication stream, labelled
// stream=<stream> on every series. clock is the time source for lag and
// checkpoint age (nil means time.Now); tests inject a fake one.
func NewMetrics(stream string, clock func() time.Time) (*Metrics, error) {
	if stream == "" {
		return nil, errors.New("metrics: stream name is empty")
	}
	if clock == nil {
		clock = time.Now
	}
	m := &Metrics{stream: stream, now: clock, reg: prometheus.NewRegistry()}
	labels := prometheus.Labels{"stream": stream}
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: metricsNamespace, Subsystem: metricsSubsystem,
			Name: name, Help: help, ConstLabels: labels}
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts(opts(name, help)))
	}
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts(opts(name, help)))
	}
	gaugeFunc := func(name, help string, fn func() float64) prometheus.GaugeFunc {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts(opts(name, help)), fn)
	}

	m.lastCommitTS = gauge("last_applied_source_commit_timestamp_seconds",
		"Source commit time (Unix seconds) of the newest transaction applied to the standby.")
	m.appliedTxns = counter("applied_transactions_total", "Transactions committed on the standby.")
	m.appliedRows = counter("applied_rows_total", "Row changes applied to the standby.")
	m.appliedBytes = counter("applied_bytes_total", "Bytes of SQL statements that applied the transactions on the standby.")
	m.events = counter("events_received_total", "Binlog events received from the source.")
	m.reconnects = counter("reconnects_total", "Reconnections to the source or the standby.")
	m.skippedAcct = counter("skipped_account_statements_total",
		"Account statements (CREATE USER, GRANT, ...) not applied because of --skip-account-statements.")
	m.rpoTarget = gauge("rpo_seconds", "RPO target: the largest replication lag tolerated.")
	m.rpoBreaches = counter("rpo_breaches_total", "Times the replication lag went over the RPO target.")
	m.rpoBreachedFn = gaugeFunc("rpo_breached", "1 while the replication lag is over the RPO target, else 0.",
		m.rpoBreached)
	lag := gaugeFunc("lag_seconds",
		"Now minus the newer of the last applied source commit time and the last heartbeat seen caught up; NaN until either is seen.",
		func() float64 { return secondsOrNaN(m.Lag(m.now())) })
	ckptAge := gaugeFunc("checkpoint_age_seconds",
		"Time since the standby checkpoint was last written; NaN until the first one.",
		func() float64 { return secondsOrNaN(m.checkpointAge(m.now())) })

	for _, c := range []prometheus.Collector{
		lag, m.lastCommitTS, m.appliedTxns, m.appliedRows, m.appliedBytes, m.events,
		m.reconnects, m.skippedAcct, ckptAge,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := m.reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: register collector: %w", err)
		}
	}
	return m, nil
}

// ObserveSkippedAccountStatement counts an account statement skipped by
// --skip-account-statements.
func (m *Metrics) ObserveSkippedAccountStatement() { m.skippedAcct.Inc() }

// Registry is the registry holding this stream's collectors, for an HTTP
// handler or for tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Stream is the stream name the metrics are labelled with.
func (m *Metrics) Stream() string { return m.stream }

// ObserveApplied records a committed standby transaction batch: txns
// transactions holding rows row changes and bytes bytes of SQL statements, the newest of
// which committed on the source at sourceCommit. Call it after the standby
// COMMIT (the one that also wrote the checkpoint), never before: lag must
// not claim data the standby does not durably hold.
func (m *Metrics) ObserveApplied(txns, rows, bytes int, sourceCommit time.Time) {
	m.appliedTxns.Add(nonNegative(txns))
	m.appliedRows.Add(nonNegative(rows))
	m.appliedBytes.Add(nonNegative(bytes))
	m.mu.Lock() // the gauge moves with lastCommit, so concurrent calls never leave it behind
	if sourceCommit.After(m.lastCommit) {
		m.lastCommit = sourceCommit
		m.lastCommitTS.Set(unixSeconds(sourceCommit))
	}
	m.mu.Unlock()
	m.evaluate()
}

// ObserveEvent counts one binlog event received from the source.
// It does not re-check the RPO (events come by the thousand a second; the
// applied transactions and the watch's ticker do).
func (m *Metrics) ObserveEvent() {
	m.events.Inc()
}

// ObserveReconnect counts one reconnection to the source or the standby.
func (m *Metrics) ObserveReconnect() {
	m.reconnects.Inc()
	m.evaluate()
}

// ObserveCheckpoint records that the standby checkpoint was durably written
// at t (local time).
func (m *Metrics) ObserveCheckpoint(t time.Time) {
	m.advance(&m.lastCkpt, t)
	m.evaluate()
}

// ObserveHeartbeat records a heartbeat written on the primary at sourceTime
// (the primary's clock, as stored in the heartbeat row). An idle primary
// then still proves the standby is fresh. Call it only when the standby is
// caught up to the heartbeat, i.e. once the heartbeat transaction itself has
// been applied (binlog order guarantees everything before it was): a
// heartbeat that overtook queued transactions would hide real lag.
func (m *Metrics) ObserveHeartbeat(sourceTime time.Time) {
	m.advance(&m.lastHeartbeat, sourceTime)
	m.evaluate()
}

// Lag is now minus the newer of the last applied source commit time and the
// last caught-up heartbeat; ok is false until either has been observed
// (lag unknown, which is not the same as zero). Clock skew between the
// primary and this host can make the difference negative; it is clamped
// to zero.
func (m *Metrics) Lag(now time.Time) (lag time.Duration, ok bool) {
	m.mu.Lock()
	fresh := m.lastCommit
	if m.lastHeartbeat.After(fresh) {
		fresh = m.lastHeartbeat
	}
	m.mu.Unlock()
	if fresh.IsZero() {
		return 0, false
	}
	return max(now.Sub(fresh), 0), true
}

// checkpointAge is now minus the last checkpoint time; ok is false before
// the first checkpoint.
func (m *Metrics) checkpointAge(now time.Time) (time.Duration, bool) {
	m.mu.Lock()
	last := m.lastCkpt
	m.mu.Unlock()
	if last.IsZero() {
		return 0, false
	}
	return max(now.Sub(last), 0), true
}

// attach connects an RPO watch; only one per Metrics. Its collectors join
// the registry then, so a stream without an RPO target exports no
// misleading rpo_seconds of 0.
func (m *Metrics) attach(w *RPOWatch) error {
	if !m.watch.CompareAndSwap(nil, w) {
		return errors.New("metrics: an RPO watch is already attached")
	}
	m.rpoTarget.Set(w.target.Seconds())
	for _, c := range []prometheus.Collector{m.rpoTarget, m.rpoBreaches, m.rpoBreachedFn} {
		if err := m.reg.Register(c); err != nil {
			return fmt.Errorf("metrics: register RPO collector: %w", err)
		}
	}
	return nil
}

// evaluate re-checks the RPO after an observation. It runs outside m.mu:
// the watch calls back into Lag.
func (m *Metrics) evaluate() {
	if w := m.watch.Load(); w != nil {
		w.check()
	}
}

// rpoBreached is the rpo_breached gauge, evaluated at scrape time so that it
// always agrees with lag_seconds in the same scrape.
func (m *Metrics) rpoBreached() float64 {
	w := m.watch.Load()
	if w == nil {
		return 0
	}
	if w.check().breached {
		return 1
	}
	return 0
}

func secondsOrNaN(d time.Duration, ok bool) float64 {
	if !ok {
		return math.NaN()
	}
	return d.Seconds()
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func nonNegative(n int) float64 { return float64(max(n, 0)) }

// advance moves *last forward to t under the lock, never back: a late or
// reordered observation is ignored.
func (m *Metrics) advance(last *time.Time, t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.After(*last) {
		*last = t
	}
}
