package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/binlog/statement"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// ErrDiverged: a row change did not find exactly the one row it changes on the
// standby (an UPDATE or DELETE matched no row, an INSERT inserted none): the standby
// no longer holds what the source held. Applying stops; it never skips.
var ErrDiverged = errors.New("standby diverged from the source")

// applySession is the session state every apply connection runs with:
//
//   - UTC, so that TIMESTAMP strings (rendered in UTC by the stream) mean the
//     source's instants;
//   - foreign keys off, because the source already checked them and row events of
//     one transaction may arrive in an order a child-before-parent check would
//     refuse;
//   - a permissive sql_mode with NO_AUTO_VALUE_ON_ZERO: row images are facts, and a
//     value a non-strict session stored on the source (an ENUM's ” error value, a
//     zero date, a generated column computed with a warning) must be applied as it
//     was stored, as a native replica applies rows; a 0 in an AUTO_INCREMENT column
//     is a value, not "next". The checkpoint move switches to a strict mode for its
//     own two statements (moveSQL), which its fence needs;
//   - ApplierVariable set, which makes the standby's held triggers do nothing for
//     the rows applied here (their effects are rows of the binlog already).
//
// applySessionMariaDB adds check_constraint_checks = 0 (rows the source stored are
// not checked again, as a native replica does not).
const (
	applySession = "SET SESSION time_zone = '+00:00', foreign_key_checks = 0, " +
		"sql_mode = '" + rowsSQLMode + "', " + statement.ApplierVariable + " = 1"
	applySessionMariaDB = applySession + ", check_constraint_checks = 0"
	rowsSQLMode         = "NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION"
	fenceSQLMode        = "STRICT_ALL_TABLES," + rowsSQLMode
)

// Defaults of ApplyConfig.
const (
	DefaultBatchTxns     = 64
	DefaultBatchBytes    = 4 << 20
	DefaultLargeTxnBytes = 16 << 20
	DefaultStopTimeout   = 30 * time.Second
	defaultChunkBytes    = 1 << 20
	workerLockTimeout    = 5 // seconds; a wait longer than this between workers is a missed conflict
	maxStatementText     = 15 << 20
	packetMargin         = 64 << 10 // room for a packet's other statements and headers
)

// DefaultWorkers is the number of apply workers when none is configured: two per
// CPU (a worker mostly waits for the standby), at least 2 and at most 8.
func DefaultWorkers() int { return min(max(2*runtime.NumCPU(), 2), 8) }

// EventSource is what Apply reads: a *Stream, or anything that yields the same units.
type EventSource interface {
	Next(ctx context.Context) (Event, error)
}

// ApplyConfig tunes an Applier; zero values mean the defaults.
type ApplyConfig struct {
	// Workers is the number of standby sessions applying batches concurrently.
	Workers int
	// BatchTxns and BatchBytes bound one standby commit: that many source
	// transactions, or that many bytes of statements, whichever comes first. A batch
	// is committed early when nothing more is waiting, so a trickle is applied at
	// once.
	BatchTxns, BatchBytes int
	// LargeTxnBytes: a source transaction with more statement bytes than this is
	// applied alone, streamed to the standby as it arrives (bounded memory).
	LargeTxnBytes int
	// SerialUntil applies one transaction at a time, one statement per round trip,
	// until the transaction with this GTID is committed: the retry after a failed
	// parallel batch, so that a real error names its row exactly.
	SerialUntil string
	// SkipApplied skips a transaction the checkpoint already holds, instead of
	// stopping with ErrHistoryRewound: for a source that replays on purpose (a
	// test applying the same binlog twice). A stream started after the checkpoint
	// never sends one, unless the primary's history went back.
	SkipApplied bool
	// SkipAccountStatements skips account statements (CREATE USER, GRANT...)
	// instead of applying them: each is logged without its secrets and counted.
	SkipAccountStatements bool
	// StopTimeout bounds a requested stop: the transaction in flight may take this
	// long to arrive whole and commit; after it, what is left is rolled back.
	StopTimeout time.Duration
	Metrics     *Metrics
	Logger      *slog.Logger
}

func (c ApplyConfig) withDefaults() ApplyConfig {
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers()
	}
	if c.BatchTxns <= 0 {
		c.BatchTxns = DefaultBatchTxns
	}
	if c.BatchBytes <= 0 {
		c.BatchBytes = DefaultBatchBytes
	}
	if c.LargeTxnBytes <= 0 {
		c.LargeTxnBytes = DefaultLargeTxnBytes
	}
	if c.StopTimeout <= 0 {
		c.StopTimeout = DefaultStopTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// ApplierDriverConfig returns a copy of cfg fit for the Applier's *sql.DB:
// clientFoundRows (an UPDATE to identical values must count its row),
// multi-statements (many row changes to a round trip), server-side prepared
// statements for the rare value too large for text, times in UTC, and the
// standby's own max_allowed_packet (read at connect), so that a large value goes
// as long data in pieces the standby takes, and one larger than it allows is an
// error, not a connection the standby drops.
func ApplierDriverConfig(cfg *mysql.Config) *mysql.Config {
	c := cfg.Clone()
	c.MaxAllowedPacket = 0
	c.ClientFoundRows = true
	c.InterpolateParams = false
	c.MultiStatements = true
	c.ParseTime = false
	c.Loc = time.UTC
	return c
}

// Applier applies source transactions to the standby exactly once. Each standby
// commit holds one or more whole source transactions (never part of one) and moves
// the checkpoint over exactly them, in the same transaction; commits happen in
// source order, so the checkpoint is always a prefix of the source's history.
// Transactions are batched, batches run on Workers sessions at once when their
// rows do not conflict (keys.go), DDL and very large transactions run alone.
//
// The standby *sql.DB must come from ApplierDriverConfig. After Apply returns, the
// Applier must be discarded: a new one (NewApplier) reloads the checkpoint, which
// is the only truth after a failure.
type Applier struct {
	db      *sql.DB
	store   *CheckpointStore
	flavor  mysqlx.Flavor
	token   uint64
	cfg     ApplyConfig
	pending string // the checkpoint's pending_ddl when loaded
	// maxText is the longest statement sent as text (the standby's
	// max_allowed_packet less a margin, at most maxStatementText); maxPacket is
	// that max_allowed_packet.
	maxText   int
	maxPacket int64
	// self is the account the applier is on the standby, as CURRENT_USER()
	// names it (host in lower case).
	self string

	mu      sync.Mutex
	applied mysqlx.GTIDSet // committed on the standby
}

// NewApplier loads the stream's checkpoint (ErrNoCheckpoint when there is none) and
// returns an Applier that writes with the fencing token of the caller's lease.
func NewApplier(ctx context.Context, db *sql.DB, store *CheckpointStore, token uint64, cfg ApplyConfig) (*Applier, error) {
	cp, ok, err := store.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("new applier: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("new applier for stream %s: %w", store.StreamID(), ErrNoCheckpoint)
	}
	a := &Applier{db: db, store: store, flavor: store.flavor, token: token, cfg: cfg.withDefaults(),
		applied: cp.GTIDs, pending: cp.PendingDDL, maxText: maxStatementText}
	var packet int64
	if err := db.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&packet); err != nil {
		return nil, fmt.Errorf("new applier: read the standby's max_allowed_packet: %w", err)
	}
	a.maxPacket = packet
	if err := db.QueryRowContext(ctx, "SELECT CURRENT_USER()").Scan(&a.self); err != nil {
		return nil, fmt.Errorf("new applier: read the standby account: %w", err)
	}
	if i := strings.LastIndexByte(a.self, '@'); i >= 0 {
		a.self = a.self[:i] + strings.ToLower(a.self[i:])
	}
	if limit := int(packet) - packetMargin; limit > 0 && limit < a.maxText {
		a.maxText = limit // a longer statement goes as a prepared one, its values as long data
	}
	if a.cfg.SerialUntil != "" {
		if g, err := singleGTID(a.flavor, a.cfg.SerialUntil); err != nil || cp.GTIDs.Contains(g) {
			a.cfg.SerialUntil = "" // nothing to retry serially (or nothing readable)
		}
	}
	return a, nil
}

// Applied is the GTID set the standby holds according to the last commit.
func (a *Applier) Applied() mysqlx.GTIDSet {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.applied
}

func (a *Applier) setApplied(g mysqlx.GTIDSet) {
	a.mu.Lock()
	a.applied = g
	a.mu.Unlock()
}

// Close releases nothing today (each Apply owns its sessions); it is kept so that
// callers can defer it.
func (a *Applier) Close() error { return nil }

// Apply reads events from src and applies them until src fails, the standby fails,
// or ctx is done. When ctx is done (a requested stop) the transaction in flight is
// read to its end and committed with everything before it, within StopTimeout; the
// error then wraps ctx.Err(). When src fails, every transaction received whole is
// committed first. When the standby fails, whatever was not committed is rolled
// back. The checkpoint always says where to resume.
func (a *Applier) Apply(ctx context.Context, src EventSource) error {
	c := newCoordinator(a)
	return c.run(ctx, src)
}

// BatchError is a failure of a batch applied in parallel: the same transactions
// may well succeed one at a time (a conflict the keys missed), so the caller
// retries with ApplyConfig.SerialUntil = LastGTID. Err is the batch's own error.
type BatchError struct {
	FirstGTID, LastGTID string
	Err                 error
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("parallel batch %s..%s: %v", e.FirstGTID, e.LastGTID, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }
