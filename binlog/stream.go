package binlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// Defaults of StreamConfig.
const (
	DefaultHeartbeatPeriod      = time.Second
	DefaultEventBuffer          = 256 // go-mysql's own default, 10240, caused OOMs (go-mysql #345, #829)
	DefaultMaxReconnectAttempts = 10
)

// StreamConfig says where and from which transactions to stream.
type StreamConfig struct {
	Source mysqlx.Endpoint
	Flavor mysqlx.Flavor
	// ServerID is the replication client's server id; it must differ from every server
	// id in the topology and from other streams' (see DefaultServerID).
	ServerID uint32
	// Start is the set of transactions already applied: streaming begins with the
	// first transaction not in it. For MariaDB it must be a position (one range per
	// domain starting at 1).
	Start mysqlx.GTIDSet
	// HeartbeatPeriod asks the source for a heartbeat when idle (default 1s). The
	// connection is considered dead after 3 periods without any event.
	HeartbeatPeriod time.Duration
	// EventBuffer bounds the decoded events queued between the network and Next
	// (default 256). Each rows event is bounded by the source's event size.
	EventBuffer int
	// MaxReconnectAttempts before Next fails (default 10; go-mysql waits 1s between).
	MaxReconnectAttempts int
	Logger               *slog.Logger
}

// Stream pulls transaction units from a source's binlog with GTID auto-positioning.
// It is not safe for concurrent use, except Close.
type Stream struct {
	syncer   *replication.BinlogSyncer
	streamer *replication.BinlogStreamer
	asm      *assembler
	pending  []Event
	logger   *slog.Logger

	closeOnce sync.Once
	closed    chan struct{}
}

// OpenStream connects to the source and starts streaming after cfg.Start.
func OpenStream(ctx context.Context, cfg StreamConfig) (*Stream, error) {
	if cfg.ServerID == 0 {
		return nil, errors.New("open binlog stream: server id 0 is not allowed")
	}
	if cfg.Flavor != mysqlx.MySQL && cfg.Flavor != mysqlx.MariaDB {
		return nil, fmt.Errorf("open binlog stream: unknown flavor %q", cfg.Flavor)
	}
	if f := cfg.Start.Flavor(); f != "" && f != cfg.Flavor {
		return nil, fmt.Errorf("open binlog stream: start GTIDs are %s, source is %s: %w", f, cfg.Flavor, mysqlx.ErrFlavorMismatch)
	}
	start, err := gomysql.ParseGTIDSet(string(cfg.Flavor), cfg.Start.String())
	if err != nil {
		return nil, fmt.Errorf("open binlog stream: start GTIDs %q: %w", cfg.Start, err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("component", "binlog", "source", cfg.Source.String())
	syncer := replication.NewBinlogSyncer(syncerConfig(cfg, logger))
	s := &Stream{syncer: syncer, asm: newAssembler(cfg.Flavor), logger: logger, closed: make(chan struct{})}

	// StartSyncGTID connects without a context: run it aside so ctx bounds it.
	type result struct {
		st  *replication.BinlogStreamer
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := syncer.StartSyncGTID(start)
		done <- result{st, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			syncer.Close()
			return nil, fmt.Errorf("start binlog stream from %s after %q: %w", cfg.Source, cfg.Start, r.err)
		}
		s.streamer = r.st
		return s, nil
	case <-ctx.Done():
		syncer.Close()
		return nil, fmt.Errorf("start binlog stream from %s: %w", cfg.Source, ctx.Err())
	}
}

func syncerConfig(cfg StreamConfig, logger *slog.Logger) replication.BinlogSyncerConfig {
	hb := cfg.HeartbeatPeriod
	if hb <= 0 {
		hb = DefaultHeartbeatPeriod
	}
	buf := cfg.EventBuffer
	if buf <= 0 {
		buf = DefaultEventBuffer
	}
	retries := cfg.MaxReconnectAttempts
	if retries <= 0 {
		retries = DefaultMaxReconnectAttempts
	}
	p := cfg.Source.SyncerParams()
	return replication.BinlogSyncerConfig{
		ServerID:                cfg.ServerID,
		Flavor:                  string(cfg.Flavor),
		Host:                    p.Host,
		Port:                    p.Port,
		User:                    p.User,
		Password:                p.Password,
		TLSConfig:               p.TLSConfig,
		Charset:                 "utf8mb4",
		UseDecimal:              true,
		ParseTime:               false,
		TimestampStringLocation: time.UTC,
		HeartbeatPeriod:         hb,
		ReadTimeout:             3 * hb,
		MaxReconnectAttempts:    retries,
		// A broken connection ends the stream: Replicate reconnects, after
		// checking the primary's history again (a RESET MASTER kills the dump
		// connection, and go-mysql's own reconnect would start from the new
		// binlog's first transaction without a word).
		DisableRetrySync: true,
		EventCacheCount:  buf,
		Logger:           logger,
	}
}

// Next returns the next unit in source order. It blocks until one is available, ctx
// is done, or the stream fails (purged binlogs, reconnects exhausted, a transaction
// that cannot be assembled); after a failure the Stream must be closed and reopened
// from the last checkpoint.
func (s *Stream) Next(ctx context.Context) (Event, error) {
	for len(s.pending) == 0 {
		select {
		case <-s.closed:
			return nil, ErrStreamClosed
		default:
		}
		ev, err := s.streamer.GetEvent(ctx)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, fmt.Errorf("read binlog: %w", ctxErr)
			}
			select {
			case <-s.closed:
				return nil, ErrStreamClosed
			default:
			}
			return nil, fmt.Errorf("read binlog: %w", decodeError(err))
		}
		if err := s.asm.handle(ev, s.push); err != nil {
			return nil, fmt.Errorf("assemble binlog transaction: %w", err)
		}
	}
	e := s.pending[0]
	s.pending[0] = nil
	s.pending = s.pending[1:]
	return e, nil
}

func (s *Stream) push(e Event) { s.pending = append(s.pending, e) }

// Close stops the syncer and its connection. It is safe to call more than once and
// concurrently with Next, which then returns ErrStreamClosed.
func (s *Stream) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.syncer.Close()
	})
	return nil
}
