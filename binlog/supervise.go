package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// Defaults of ReplicateConfig.
const (
	DefaultMinBackoff = 500 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
	// unknownErrorLimit: an error of no known kind is retried this many times in a
	// row without progress, then it is treated as fatal.
	unknownErrorLimit = 5
)

// ReplicateConfig is everything Replicate needs for one stream.
type ReplicateConfig struct {
	// Stream says how to reach the source; its Start is ignored (every connection
	// starts after the standby's checkpoint).
	Stream StreamConfig
	// SourceDB is an ordinary connection pool to the source, for the purged-binlog
	// check before each (re)connection.
	SourceDB     *sql.DB
	SourceServer mysqlx.Server
	// Standby is the standby pool (ApplierDriverConfig) holding Store's checkpoint.
	Standby *sql.DB
	Store   *CheckpointStore
	Token   uint64
	Apply   ApplyConfig
	// Filter wraps the stream (table filters); nil passes everything.
	Filter func(EventSource) EventSource
	// Running is told when an applier starts and stops running (readiness).
	Running                func(bool)
	MinBackoff, MaxBackoff time.Duration
	Metrics                *Metrics
	Logger                 *slog.Logger
}

// Replicate streams and applies until ctx is done or a fatal error: it connects to
// both sides, applies, and after a transient failure (a network cut, a restarted
// server, a killed connection, a deadlock) reconnects with exponential backoff and
// jitter, resuming after the standby's checkpoint. A failed parallel batch is
// retried one transaction at a time. Fatal: purged binlogs, a fenced or lost
// checkpoint, a standby that diverged, unsupported events or values, rejected
// credentials. When ctx ends, the transaction in flight is completed if it can be
// (StopTimeout) and the error wraps ctx's cause.
func Replicate(ctx context.Context, cfg ReplicateConfig) error {
	cfg = cfg.withDefaults()
	backoff := cfg.MinBackoff
	serialUntil := ""
	unknown := 0
	for attempt := 0; ; attempt++ {
		before, _ := lastApplied(ctx, cfg.Store)
		err := replicateOnce(ctx, cfg, serialUntil)
		if ctx.Err() != nil {
			return err
		}
		after, token := lastApplied(ctx, cfg.Store)
		if token > cfg.Token {
			// A newer replicate claimed the stream (another host or lease
			// directory): it kicks this one's binlog connection (same server id)
			// and its checkpoint writes fence this one's. Stop now, clearly.
			return fmt.Errorf("%w: the checkpoint holds token %d, this replicate %d; it stops and leaves the stream "+
				"to the newer one (last error: %v)", ErrFenced, token, cfg.Token, err)
		}
		progressed := !after.Equal(before)
		if progressed {
			backoff, unknown = cfg.MinBackoff, 0
		}
		var be *BatchError
		switch kind := classify(err); {
		case kind == fatalError:
			return err
		case errors.As(err, &be) && kind != transientError:
			cfg.Logger.Warn("a parallel batch failed; retrying its transactions one at a time",
				slog.String("first", be.FirstGTID), slog.String("last", be.LastGTID), slog.String("error", err.Error()))
			serialUntil = be.LastGTID
			continue
		case kind == unknownError:
			if unknown++; unknown >= unknownErrorLimit {
				return fmt.Errorf("%w (failed %d times in a row without progress)", err, unknown)
			}
		}
		if cfg.Metrics != nil {
			cfg.Metrics.ObserveReconnect()
		}
		wait := jitter(backoff)
		cfg.Logger.Warn("replication interrupted; reconnecting", slog.String("error", err.Error()),
			slog.Duration("retry_in", wait.Round(time.Millisecond)), slog.Int("attempt", attempt+1))
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (stopped while waiting to reconnect)", err)
		case <-time.After(wait):
		}
		backoff = min(2*backoff, cfg.MaxBackoff)
	}
}

func (c ReplicateConfig) withDefaults() ReplicateConfig {
	if c.MinBackoff <= 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(DefaultMaxBackoff, c.MinBackoff)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Running == nil {
		c.Running = func(bool) {}
	}
	if c.Apply.Metrics == nil {
		c.Apply.Metrics = c.Metrics
	}
	if c.Apply.Logger == nil {
		c.Apply.Logger = c.Logger
	}
	return c
}

// replicateOnce is one connection to both sides: load the checkpoint, check the
// source still has what follows it, stream and apply.
func replicateOnce(ctx context.Context, cfg ReplicateConfig, serialUntil string) error {
	acfg := cfg.Apply
	acfg.SerialUntil = serialUntil
	ap, err := NewApplier(ctx, cfg.Standby, cfg.Store, cfg.Token, acfg)
	if err != nil {
		return fmt.Errorf("standby: %w", err)
	}
	defer ap.Close()
	start := ap.Applied()
	if cfg.SourceDB != nil {
		if err := checkNotAhead(ctx, cfg.SourceDB, cfg.SourceServer, start); err != nil {
			return fmt.Errorf("source: %w", err)
		}
		if cp, ok, err := cfg.Store.Load(ctx); err == nil && ok {
			if err := checkSameHistory(ctx, cfg.SourceDB, cfg.SourceServer, cp); err != nil {
				return fmt.Errorf("source: %w", err)
			}
		}
		if err := CheckStartAvailable(ctx, cfg.SourceDB, cfg.SourceServer, start); err != nil {
			return fmt.Errorf("source: %w", err)
		}
	}
	scfg := cfg.Stream
	scfg.Start = start
	if scfg.Logger == nil {
		scfg.Logger = cfg.Logger
	}
	st, err := OpenStream(ctx, scfg)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer st.Close()
	var src EventSource = st
	if cfg.Filter != nil {
		src = cfg.Filter(st)
	}
	cfg.Running(true)
	defer cfg.Running(false)
	return ap.Apply(ctx, src)
}

// lastApplied reads the checkpoint's set and token (zero values when it cannot).
func lastApplied(ctx context.Context, s *CheckpointStore) (mysqlx.GTIDSet, uint64) {
	cp, _, err := s.Load(ctx)
	if err != nil {
		return mysqlx.GTIDSet{}, 0
	}
	return cp.GTIDs, cp.Token
}

// jitter is d scaled by a random factor in [0.5, 1.5).
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}

// checkNotAhead refuses a checkpoint holding transactions the primary has not
// executed: its binlog was reset (RESET MASTER), it was restored from an older
// backup, or another server answers at its address.
func checkNotAhead(ctx context.Context, db *sql.DB, srv mysqlx.Server, checkpoint mysqlx.GTIDSet) error {
	executed, _, err := mysqlx.ReadGTIDs(ctx, db, srv.Flavor)
	if err != nil {
		return fmt.Errorf("read the primary's position: %w", err)
	}
	ahead, err := checkpoint.Subtract(executed)
	if err != nil || ahead.IsEmpty() {
		return nil
	}
	return historyRewound(fmt.Sprintf("the primary is at %s, behind the checkpoint", orEmptySet(executed)), checkpoint)
}
