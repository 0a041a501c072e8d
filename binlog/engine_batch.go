package binlog

import (
	"errors"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// batch is consecutive source transactions applied in one standby transaction that
// moves the checkpoint from `from` to `to`.
type batch struct {
	seq         int
	first, last string // GTIDs of the first and the last transaction
	txns        []*txn
	from, to    mysqlx.GTIDSet
	bytes       int
	rows        int
	keys        map[uint64]struct{}
	commit      time.Time // source commit time of the newest transaction
	file        string    // source binlog file and end position of the newest transaction
	pos         uint32
	recv        time.Time // when the newest transaction's commit was received
	mark        int64     // events received from the source up to that commit
	beat        time.Time // newest heartbeat row

	prev *batch   // committed just before this one (nil: nothing in flight)
	deps []*batch // earlier batches touching the same keys: run after they have executed
	// free are the transactions that touch no key of deps (nor of a transaction
	// before them that does); they run first, while deps still execute. The rest,
	// txns, run after deps have. Order within each keeps source order, and two
	// transactions that share a key never swap, so the batch's result (committed as
	// one) is the source's.
	free []*txn

	executed  chan struct{} // rows sent (or failed)
	committed chan struct{} // committed (or failed: err is set first)
	err       error
	execOnce  bool
}

func newBatch(seq int, from mysqlx.GTIDSet) *batch {
	return &batch{seq: seq, from: from, keys: map[uint64]struct{}{},
		executed: make(chan struct{}), committed: make(chan struct{})}
}

func (b *batch) add(t *txn, to mysqlx.GTIDSet) {
	if b.first == "" {
		b.first = t.gtid
	}
	b.last = t.gtid
	b.txns = append(b.txns, t)
	b.to = to
	b.bytes += t.bytes
	b.rows += t.rows
	b.commit, b.recv, b.mark, b.file, b.pos = t.commit, t.recv, t.mark, t.file, t.pos
	if t.heartbeat.After(b.beat) {
		b.beat = t.heartbeat
	}
	for _, k := range t.keys {
		b.keys[k] = struct{}{}
	}
}

// split moves to b.free the transactions that can run before b.deps have executed.
func (b *batch) split() {
	if len(b.deps) == 0 {
		b.free, b.txns = b.txns, nil
		return
	}
	held := map[uint64]struct{}{} // keys of the transactions that wait
	waits := b.txns[:0:0]
	for _, t := range b.txns {
		if b.touchesDeps(t, held) {
			for _, k := range t.keys {
				held[k] = struct{}{}
			}
			waits = append(waits, t)
		} else {
			b.free = append(b.free, t)
		}
	}
	b.txns = waits
}

func (b *batch) touchesDeps(t *txn, held map[uint64]struct{}) bool {
	for _, k := range t.keys {
		if _, ok := held[k]; ok {
			return true
		}
		for _, d := range b.deps {
			if _, ok := d.keys[k]; ok {
				return true
			}
		}
	}
	return false
}

// conflicts reports whether b and o touch a common key.
func (b *batch) conflicts(o *batch) bool {
	small, big := b.keys, o.keys
	if len(small) > len(big) {
		small, big = big, small
	}
	for k := range small {
		if _, ok := big[k]; ok {
			return true
		}
	}
	return false
}

func (b *batch) markExecuted() {
	if !b.execOnce {
		b.execOnce = true
		close(b.executed)
	}
}

// finish records the outcome; waiting batches see it.
func (b *batch) finish(err error) {
	b.err = err
	b.markExecuted()
	close(b.committed)
	// The rows and the links to older batches go as soon as the batch is done; its
	// keys belong to the coordinator, which drops them when it prunes the batch.
	b.txns, b.free, b.prev, b.deps = nil, nil, nil, nil
}

func (b *batch) done() bool {
	select {
	case <-b.committed:
		return true
	default:
		return false
	}
}

// dispatch hands the current batch to a worker, waiting for a free one.
func (c *coordinator) dispatch() error {
	select {
	case c.slots <- struct{}{}:
		c.send()
		return nil
	case <-c.failed:
		return c.failErr
	}
}

// send hands the current batch to a worker; the caller holds a slot.
func (c *coordinator) send() {
	b := c.cur
	c.cur = nil
	live := c.inflight[:0]
	for _, f := range c.inflight {
		if f.done() {
			f.keys = nil
		} else {
			live = append(live, f)
		}
	}
	c.inflight = live
	for _, f := range c.inflight {
		if b.conflicts(f) {
			b.deps = append(b.deps, f)
		}
	}
	b.split()
	if c.last != nil && !c.last.done() {
		b.prev = c.last
	}
	c.inflight = append(c.inflight, b)
	c.last = b
	c.work <- b
}

// drain commits the current batch and waits until every batch has committed.
func (c *coordinator) drain() error {
	if c.cur != nil {
		if err := c.dispatch(); err != nil {
			return err
		}
	}
	if c.last != nil {
		select {
		case <-c.last.committed:
		case <-c.failed:
			return c.failErr
		}
		if err := c.last.err; err != nil {
			if c.failErr != nil {
				return c.failErr
			}
			return err
		}
	}
	c.last, c.inflight = nil, nil
	return nil
}

// worker applies batches on its own standby session until the run ends.
func (c *coordinator) worker() {
	x := &executor{db: c.a.db, lockTimeout: workerLockTimeout, chunk: defaultChunkBytes}
	defer x.reset()
	for b := range c.work {
		err := c.applyBatch(x, b)
		if err != nil {
			x.reset()
			if !errors.Is(err, errAborted) {
				c.fail(&BatchError{FirstGTID: b.first, LastGTID: b.last, Err: err})
			}
		}
		b.finish(err)
		<-c.slots
	}
}

// applyBatch runs b's rows once the batches it conflicts with have run theirs, then
// commits them with the checkpoint right after the batch before it committed.
func (c *coordinator) applyBatch(x *executor, b *batch) error {
	if err := x.ensure(c.io); err != nil {
		return err
	}
	x.startTxn()
	if err := x.run(c.io, b.free, false); err != nil {
		return err
	}
	for _, d := range b.deps {
		select {
		case <-d.executed:
		case <-c.failed:
			return errAborted
		}
	}
	if err := x.run(c.io, b.txns, false); err != nil {
		return err
	}
	b.markExecuted()
	if b.prev != nil {
		select {
		case <-b.prev.committed:
			if b.prev.err != nil {
				return errAborted
			}
		case <-c.failed:
			return errAborted
		}
	}
	mv := checkpointMove{from: b.from, to: b.to, commit: b.commit, token: c.a.token, file: b.file, pos: b.pos}
	if err := c.commitMove(x, mv); err != nil {
		return err
	}
	c.committed(b.to, len(b.free)+len(b.txns), b.rows, b.bytes, b.commit, b.beat)
	c.caughtUp(b.mark, b.recv)
	return nil
}

// caughtUp records, when nothing was received from the source after the commit
// just applied (received at recv), that the standby held everything the source had
// sent by recv. That is the freshness the lag is measured from when the source's
// commit times have second resolution (MariaDB): without it a standby a few
// milliseconds behind would show up to a second of lag, and flap around a 1 s RPO.
func (c *coordinator) caughtUp(mark int64, recv time.Time) {
	if c.m != nil && mark == c.received.Load() {
		c.m.ObserveHeartbeat(recv)
	}
}

// committed records a standby commit.
func (c *coordinator) committed(to mysqlx.GTIDSet, txns, rows, bytes int, commit, beat time.Time) {
	c.a.setApplied(to)
	if c.m == nil {
		return
	}
	c.m.ObserveApplied(txns, rows, bytes, commit)
	c.m.ObserveCheckpoint(time.Now())
	if !beat.IsZero() {
		c.m.ObserveHeartbeat(beat)
	}
}
