package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// ErrDiverged: a row change did not find exactly the one row it changes on the
// standby (an UPDATE or DELETE matched no row, an INSERT inserted none): the standby
// no longer holds what the source held. Applying stops; it never skips.
var ErrDiverged = errors.New("standby diverged from the source")

// applySession is the session state every apply connection runs with: UTC, so that
// TIMESTAMP strings (rendered in UTC by the stream) mean the source's instants;
// foreign keys off, because the source already checked them and row events of one
// transaction may arrive in an order a child-before-parent check would refuse; a
// strict sql_mode, so that a value the standby cannot hold fails instead of being
// truncated, without NO_ZERO_DATE (the source may hold zero dates) and with
// NO_AUTO_VALUE_ON_ZERO (a 0 in an AUTO_INCREMENT column is a value, not "next").
const applySession = "SET SESSION time_zone = '+00:00', foreign_key_checks = 0, " +
	"sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'"

// EventSource is what Apply reads: a *Stream, or anything that yields the same units.
type EventSource interface {
	Next(ctx context.Context) (Event, error)
}

// ApplierDriverConfig returns a copy of cfg fit for the Applier's *sql.DB:
// clientFoundRows (an UPDATE to identical values must count its row), server-side
// prepared statements (interpolateParams off), times in UTC, no multi-statements.
func ApplierDriverConfig(cfg *mysql.Config) *mysql.Config {
	c := cfg.Clone()
	c.ClientFoundRows = true
	c.InterpolateParams = false
	c.MultiStatements = false
	c.ParseTime = false
	c.Loc = time.UTC
	return c
}

// Applier applies source transactions to the standby exactly once: each in one
// standby transaction that also advances the checkpoint (CheckpointStore.Advance).
// The standby *sql.DB must come from ApplierDriverConfig. An Applier is not safe for
// concurrent use, and after any error from Apply it must be discarded: a new one
// (NewApplier) reloads the checkpoint, which is the only truth after a failed COMMIT.
type Applier struct {
	db      *sql.DB
	store   *CheckpointStore
	flavor  mysqlx.Flavor
	token   uint64
	applied mysqlx.GTIDSet // the checkpoint's GTIDs as last committed

	conn   *sql.Conn // the session, with applySession set
	tables map[string]*standbyTable
	txn    *txnState // the open source transaction, nil between transactions
}

// txnState is one source transaction in flight.
type txnState struct {
	gtid string
	skip bool    // already in the checkpoint: swallowed whole
	tx   *sql.Tx // open standby transaction; nil after a DDL committed implicitly
	rows int     // row changes applied in tx
}

// NewApplier loads the stream's checkpoint (ErrNoCheckpoint when there is none) and
// returns an Applier that writes with the fencing token of the caller's lease.
func NewApplier(ctx context.Context, db *sql.DB, store *CheckpointStore, token uint64) (*Applier, error) {
	cp, ok, err := store.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("new applier: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("new applier for stream %s: %w", store.StreamID(), ErrNoCheckpoint)
	}
	return &Applier{db: db, store: store, flavor: store.flavor, token: token, applied: cp.GTIDs,
		tables: map[string]*standbyTable{}}, nil
}

// Applied is the GTID set the standby holds according to the last commit.
func (a *Applier) Applied() mysqlx.GTIDSet { return a.applied }

// Apply reads events from src and applies them until src or the standby fails or ctx
// is done. A transaction in flight is rolled back; the checkpoint then still says
// where to resume.
func (a *Applier) Apply(ctx context.Context, src EventSource) error {
	for {
		e, err := src.Next(ctx)
		if err != nil {
			a.abort()
			return fmt.Errorf("apply: %w", err)
		}
		if err := a.Handle(ctx, e); err != nil {
			a.abort()
			return err
		}
	}
}

// Handle applies one event. Transactions whose GTID the checkpoint already contains
// are skipped whole (a restart from an older position applies nothing twice).
func (a *Applier) Handle(ctx context.Context, e Event) error {
	switch e := e.(type) {
	case Begin:
		return a.begin(ctx, e)
	case Rows:
		if a.txn == nil {
			return fmt.Errorf("apply: rows of %s.%s outside a transaction", e.Schema, e.Table)
		}
		if a.txn.skip || e.Schema == checkpointSchema {
			return nil
		}
		return a.rows(ctx, e)
	case Query:
		if a.txn == nil {
			return fmt.Errorf("apply: statement outside a transaction: %.80q", e.SQL)
		}
		if a.txn.skip || e.Schema == checkpointSchema {
			return nil
		}
		return a.query(ctx, e)
	case Commit:
		return a.commit(ctx, e)
	case Rollback:
		a.abort()
	}
	return nil
}

func (a *Applier) begin(ctx context.Context, e Begin) error {
	if a.txn != nil {
		return fmt.Errorf("apply: transaction %s begins while %s is open", e.GTID, a.txn.gtid)
	}
	g, err := singleGTID(a.flavor, e.GTID)
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	if a.applied.Contains(g) {
		a.txn = &txnState{gtid: e.GTID, skip: true}
		return nil
	}
	conn, err := a.session(ctx)
	if err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		a.dropConn()
		return fmt.Errorf("apply transaction %s: begin on the standby: %w", e.GTID, err)
	}
	a.txn = &txnState{gtid: e.GTID, tx: tx}
	return nil
}

// session returns the apply connection, opening it with applySession when needed.
func (a *Applier) session(ctx context.Context) (*sql.Conn, error) {
	if a.conn != nil {
		return a.conn, nil
	}
	conn, err := a.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("apply: connect to the standby: %w", err)
	}
	if _, err := conn.ExecContext(ctx, applySession); err != nil {
		conn.Close()
		return nil, fmt.Errorf("apply: set up the standby session: %w", err)
	}
	a.conn = conn
	return conn, nil
}

func (a *Applier) dropConn() {
	if a.conn != nil {
		a.conn.Close()
		a.conn = nil
	}
}

// abort rolls back the transaction in flight, if any.
func (a *Applier) abort() {
	if a.txn != nil && a.txn.tx != nil {
		_ = a.txn.tx.Rollback()
	}
	a.txn = nil
}

func (a *Applier) commit(ctx context.Context, e Commit) error {
	t := a.txn
	if t == nil || t.gtid != e.GTID {
		return fmt.Errorf("apply: commit of %s does not close the open transaction", e.GTID)
	}
	if t.skip {
		a.txn = nil
		return nil
	}
	next, err := addGTID(a.flavor, a.applied, e.GTID)
	if err != nil {
		return fmt.Errorf("apply transaction %s: %w", e.GTID, err)
	}
	if t.tx == nil { // after a DDL: the checkpoint gets its own small transaction
		if t.tx, err = a.conn.BeginTx(ctx, nil); err != nil {
			return fmt.Errorf("apply transaction %s: begin checkpoint transaction: %w", e.GTID, err)
		}
	}
	cp := Checkpoint{StreamID: a.store.StreamID(), GTIDs: next, SourceCommit: e.Timestamp, Token: a.token}
	if err := a.store.Advance(ctx, t.tx, cp); err != nil {
		return fmt.Errorf("apply transaction %s: %w", e.GTID, err)
	}
	if err := t.tx.Commit(); err != nil {
		t.tx = nil
		a.dropConn()
		return fmt.Errorf("apply transaction %s: commit on the standby: %w", e.GTID, err)
	}
	a.applied, a.txn = next, nil
	return nil
}

// Close rolls back whatever is in flight and releases the standby connection.
func (a *Applier) Close() error {
	a.abort()
	a.dropConn()
	return nil
}
