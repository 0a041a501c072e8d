package binlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pilotlight-dr/pilotlight/binlog/statement"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// errAborted marks a batch that did not fail by itself: an earlier one did.
var errAborted = errors.New("aborted: an earlier batch failed")

// eventQueue bounds the decoded events between the binlog reader and the
// coordinator (each rows event is bounded by the source's event size).
const eventQueue = 256

type sourceItem struct {
	e   Event
	err error
	n   int64     // events received so far, this one included
	at  time.Time // when it was received
}

// openTxn is the source transaction being received.
type openTxn struct {
	t         *txn
	skip      bool // already applied: swallowed whole
	exclusive bool // being applied on the exclusive session as it arrives
	unsent    int  // statement bytes planned but not yet sent (exclusive)
}

// coordinator is one Apply call: it reads events, plans transactions, groups them
// into batches for the workers, and applies DDL, very large transactions and the
// serial retry itself on an exclusive session after every batch has committed.
type coordinator struct {
	a    *Applier
	cfg  ApplyConfig
	log  *slog.Logger
	m    *Metrics
	plan *planner
	x    *executor // exclusive session

	io       context.Context // every standby and source call of this run
	cancelIO context.CancelFunc

	events   chan sourceItem
	received atomic.Int64 // events the reader has received from the source
	work     chan *batch
	slots    chan struct{} // one per batch in flight
	wg       sync.WaitGroup

	failOnce sync.Once
	failed   chan struct{}
	failErr  error

	planned  mysqlx.GTIDSet // checkpoint after the last transaction batched or committed alone
	cur      *batch
	last     *batch
	inflight []*batch
	seq      int
	open     *openTxn
	serial   bool
	pending  string // pending_ddl as stored
	stopping bool
	item     sourceItem // the event being handled
}

func newCoordinator(a *Applier) *coordinator {
	cfg := a.cfg
	return &coordinator{a: a, cfg: cfg, log: cfg.Logger, m: cfg.Metrics,
		plan:   newPlanner(a.db, a.maxText, defaultChunkBytes, cfg.Logger),
		x:      &executor{db: a.db, chunk: defaultChunkBytes},
		events: make(chan sourceItem, eventQueue), work: make(chan *batch),
		slots: make(chan struct{}, cfg.Workers), failed: make(chan struct{}),
		planned: a.Applied(), serial: cfg.SerialUntil != "", pending: a.pending}
}

func (c *coordinator) run(ctx context.Context, src EventSource) error {
	c.io, c.cancelIO = context.WithCancel(context.WithoutCancel(ctx))
	defer c.cancelIO()
	readCtx, stopRead := context.WithCancel(c.io)
	readDone := make(chan struct{})
	go c.read(readCtx, src, readDone)
	for range c.cfg.Workers {
		c.wg.Go(c.worker)
	}
	if c.serial {
		c.log.Info("applying one transaction at a time after a failed parallel batch", slog.String("until", c.cfg.SerialUntil))
	}
	reason := c.loop(ctx)
	err := c.finish(reason)
	stopRead()
	<-readDone
	return err
}

// read feeds the source's events to the coordinator until the source fails or the
// run ends.
func (c *coordinator) read(ctx context.Context, src EventSource, done chan<- struct{}) {
	defer close(done)
	for {
		e, err := src.Next(ctx)
		n := c.received.Load()
		if err == nil {
			n = c.received.Add(1)
		}
		select {
		case c.events <- sourceItem{e: e, err: err, n: n, at: time.Now()}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// errStop is the loop's reason when a requested stop ended it cleanly.
type errStop struct{ cause error }

func (e errStop) Error() string { return "stopped: " + e.cause.Error() }
func (e errStop) Unwrap() error { return e.cause }

// errSource is the loop's reason when the source failed.
type errSource struct{ err error }

func (e errSource) Error() string { return e.err.Error() }
func (e errSource) Unwrap() error { return e.err }

// loop handles events until the source fails, a stop completes, or applying fails.
func (c *coordinator) loop(ctx context.Context) error {
	stop := ctx.Done()
	var stopTimer <-chan time.Time
	for {
		if c.stopping && c.open == nil {
			return errStop{context.Cause(ctx)}
		}
		var it sourceItem
		var slots chan struct{} // nil (never ready) unless a batch should go now
		if c.cur != nil && len(c.events) == 0 {
			slots = c.slots // nothing else is waiting: commit what we have if a worker is free
		}
		select {
		case slots <- struct{}{}:
			c.send()
			continue
		case it = <-c.events:
		case <-c.failed:
			return c.failErr
		case <-stop:
			stop, c.stopping, stopTimer = nil, true, time.After(c.cfg.StopTimeout)
			continue
		case <-stopTimer:
			c.abandon()
			return errStop{fmt.Errorf("%w; the transaction in flight did not arrive whole within %s and was rolled back",
				context.Cause(ctx), c.cfg.StopTimeout)}
		}
		if it.err != nil {
			c.abandon()
			return errSource{it.err}
		}
		if c.m != nil {
			c.m.ObserveEvent()
		}
		c.item = it
		if err := c.handle(it.e); err != nil {
			c.fail(err)
			return c.failErr
		}
	}
}

// finish ends the run: after a stop or a source failure, every transaction received
// whole is committed (within StopTimeout); after an apply failure nothing more is.
func (c *coordinator) finish(reason error) error {
	var stop errStop
	var source errSource
	if (errors.As(reason, &stop) || errors.As(reason, &source)) && c.failErr == nil {
		timer := time.AfterFunc(c.cfg.StopTimeout, c.cancelIO)
		err := c.drain()
		timer.Stop()
		if err != nil {
			reason = err
		}
	}
	if c.failErr != nil {
		reason = c.failErr
	}
	c.cancelIOIfFailed()
	close(c.work)
	c.wg.Wait()
	c.x.rollback(c.io)
	c.x.reset()
	if errors.As(reason, &source) {
		if strings.HasPrefix(source.err.Error(), "read binlog") { // the stream's own errors say it already
			return source.err
		}
		return fmt.Errorf("read binlog: %w", source.err)
	}
	return reason
}

func (c *coordinator) cancelIOIfFailed() {
	select {
	case <-c.failed:
		c.cancelIO()
	default:
	}
}

// fail records the run's first real failure and aborts everything in flight.
func (c *coordinator) fail(err error) {
	c.failOnce.Do(func() {
		c.failErr = err
		close(c.failed)
		c.cancelIO()
	})
}

// abandon drops the transaction being received (it will be sent again, or the run
// ends); on the exclusive session it is rolled back.
func (c *coordinator) abandon() {
	if o := c.open; o != nil && o.exclusive {
		c.x.rollback(c.io)
	}
	c.open = nil
}

// idle reports whether every dispatched batch has committed.
func (c *coordinator) idle() bool {
	if c.last == nil {
		return true
	}
	select {
	case <-c.last.committed:
		return c.last.err == nil
	default:
		return false
	}
}

// handle applies one event.
func (c *coordinator) handle(e Event) error {
	switch e := e.(type) {
	case Begin:
		return c.begin(e)
	case Rows:
		if c.open == nil {
			return fmt.Errorf("apply: rows of %s.%s outside a transaction", e.Schema, e.Table)
		}
		if c.open.skip {
			return nil
		}
		return c.rows(e)
	case Query:
		if c.open == nil {
			return fmt.Errorf("apply: statement outside a transaction: %.80q", e.SQL)
		}
		if c.open.skip || e.Schema == checkpointSchema {
			return nil
		}
		return c.query(e)
	case Commit:
		return c.commit(e)
	case Rollback:
		c.abandon()
	case Heartbeat:
		if c.open == nil && c.cur == nil && c.idle() && c.m != nil {
			c.m.ObserveHeartbeat(e.Timestamp) // the source has nothing newer, and we have it all
		}
	}
	return nil
}

func (c *coordinator) begin(e Begin) error {
	c.abandon()
	g, err := singleGTID(c.a.flavor, e.GTID)
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	applied := c.planned.Contains(g)
	if applied && !c.cfg.SkipApplied {
		return historyRewound("the primary sent transaction "+e.GTID+", which the checkpoint holds already", c.planned)
	}
	c.open = &openTxn{t: &txn{gtid: e.GTID}, skip: applied}
	if c.serial && !c.open.skip {
		return c.exclusive()
	}
	return nil
}

func (c *coordinator) rows(e Rows) error {
	o := c.open
	before := o.t.bytes
	if err := c.plan.rows(c.io, o.t, e); err != nil {
		return err
	}
	if !o.exclusive {
		if o.t.bytes > c.cfg.LargeTxnBytes {
			c.log.Info("large transaction: applying it alone, as it arrives", slog.String("gtid", o.t.gtid),
				slog.Int("bytes_so_far", o.t.bytes))
			return c.exclusive()
		}
		if o.t.nontx {
			return c.exclusive() // never part of a batch that may fail and be retried
		}
		return nil
	}
	o.unsent += o.t.bytes - before
	if c.serial || o.unsent >= c.x.chunk {
		return c.sendExclusive(o)
	}
	return nil
}

func (c *coordinator) query(e Query) error {
	o := c.open
	st := statement.Classify(e.SQL)
	switch {
	case st.Kind == statement.Savepoint:
		o.t.stmts = append(o.t.stmts, stmt{sql: e.SQL, want: -1})
		o.t.bytes += len(e.SQL)
		if o.exclusive {
			return c.sendExclusive(o)
		}
		return nil
	case st.Kind == statement.XA:
		if err := c.drain(); err != nil {
			return err
		}
		return fmt.Errorf("apply transaction %s: %w: %s: an XA transaction's prepared part arrives as a transaction "+
			"of its own before its outcome (XA COMMIT or ROLLBACK, another transaction), which pilotlight cannot "+
			"apply exactly once; fix: do not use XA transactions on tables the standby replicates, then seed the "+
			"standby again from a snapshot taken after this one", o.t.gtid, ErrUnsupportedEvent, st.Verb)
	case st.Kind == statement.DML && !st.Generated:
		if err := c.drain(); err != nil { // everything before it commits: the checkpoint names it next
			return err
		}
		return statementDMLError(o.t.gtid, e, st)
	case st.Kind == statement.Account && c.cfg.SkipAccountStatements:
		c.log.Warn("account statement skipped (--skip-account-statements): the standby will lack its effect",
			slog.String("gtid", o.t.gtid), slog.String("statement", truncate(statement.Redact(e.SQL), 300)))
		if c.m != nil {
			c.m.ObserveSkippedAccountStatement()
		}
		return nil // the transaction commits without it, moving the checkpoint
	case st.Kind == statement.Account:
		sql := e.SQL
		if e.Context.InvokerUser != "" {
			sql = statement.AsInvoker(sql, statement.QuoteAccount(e.Context.InvokerUser, e.Context.InvokerHost))
		}
		if err := ownAccountError(o.t.gtid, sql, st, c.a.self); err != nil {
			if derr := c.drain(); derr != nil { // everything before it commits: the checkpoint names it next
				return derr
			}
			return err
		}
	}
	if o.t.rows > 0 {
		return fmt.Errorf("apply transaction %s: %w: statement after row changes in one transaction: %.80q",
			o.t.gtid, ErrUnsupportedEvent, statement.Redact(e.SQL))
	}
	if !o.exclusive {
		if err := c.exclusive(); err != nil {
			return err
		}
	}
	return c.ddl(e, st)
}

func (c *coordinator) commit(e Commit) error {
	o := c.open
	if o == nil || o.t.gtid != e.GTID {
		return fmt.Errorf("apply: commit of %s does not close the open transaction", e.GTID)
	}
	c.open = nil
	if o.skip {
		return nil
	}
	next, err := addGTID(c.a.flavor, c.planned, e.GTID)
	if err != nil {
		return fmt.Errorf("apply transaction %s: %w", e.GTID, err)
	}
	t := o.t
	t.commit, t.recv, t.mark, t.file, t.pos = e.Timestamp, c.item.at, c.item.n, e.File, e.Pos
	if o.exclusive {
		return c.commitExclusive(o, next)
	}
	if c.cur == nil {
		c.seq++
		c.cur = newBatch(c.seq, c.planned)
	}
	c.cur.add(t, next)
	c.planned = next
	if len(c.cur.txns) >= c.cfg.BatchTxns || c.cur.bytes >= c.cfg.BatchBytes {
		return c.dispatch()
	}
	return nil
}
