package snapshot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/binlog"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// Consistency choices for Options.Consistency.
const (
	ConsistencyAuto = "auto"
)

// ErrInconsistent is returned when no consistent point could be established.
var ErrInconsistent = errors.New("snapshot: no consistent point")

// position is the point in the source's history the snapshot shows.
type position struct {
	method     string
	gtidSet    string
	binlogFile string
	binlogPos  uint64
	stream     string // standby-checkpoint: the stream whose checkpoint was read
}

// lockFreeAttempts bounds the retries of the lock-free methods: they need
// every worker's snapshot to see the same point, which a busy source can
// defeat for a while; then the lock is the way out (MariaDB) or an error.
const lockFreeAttempts = 25

// establish opens n worker sessions that all see one point in time and
// returns them with that point, using the method asked for (or the best one
// the source allows, for auto).
func establish(ctx context.Context, db *sql.DB, srv mysqlx.Server, o *Options, n int) ([]*sql.Conn, position, error) {
	method := o.Consistency
	if method == "" || method == ConsistencyAuto {
		stream, err := checkpointStream(ctx, db, o.Stream)
		switch {
		case err != nil:
			return nil, position{}, err
		case stream != "":
			method = MethodStandbyCheckpoint
			o.Stream = stream
		case srv.Flavor == mysqlx.MariaDB:
			method = MethodLockFree
		default:
			method = MethodFlushLock
		}
	}
	switch method {
	case MethodStandbyCheckpoint:
		if o.Stream == "" {
			stream, err := checkpointStream(ctx, db, "")
			if err != nil {
				return nil, position{}, err
			}
			if stream == "" {
				return nil, position{}, fmt.Errorf("%w: --consistency %s: this server has no pilotlight checkpoint (it is not a standby fed by pilotlight replicate)", ErrInconsistent, method)
			}
			o.Stream = stream
		}
		read := func(ctx context.Context, c *sql.Conn) (position, error) { return readCheckpoint(ctx, c, o.Stream) }
		fallback := func(ctx context.Context) ([]*sql.Conn, position, error) {
			o.Logger.InfoContext(ctx, "the applier committed between the workers' snapshots every time; holding its checkpoint row for a moment instead",
				slog.Int("attempts", lockFreeAttempts))
			return checkpointHeld(ctx, db, n, read, o.Stream)
		}
		return retrySame(ctx, db, n, o.Logger, read, fallback)
	case MethodLockFree:
		if srv.Flavor != mysqlx.MariaDB {
			return nil, position{}, fmt.Errorf("%w: the lock-free method needs MariaDB (binlog_snapshot_file); on MySQL use --consistency %s (RELOAD privilege) or snapshot a standby fed by pilotlight replicate", ErrInconsistent, MethodFlushLock)
		}
		if !srv.LogBin {
			return nil, position{}, fmt.Errorf("%w: the binary log is off on the source, so no GTID position exists for a snapshot; start the server with log_bin", ErrInconsistent)
		}
		fallback := func(ctx context.Context) ([]*sql.Conn, position, error) {
			o.Logger.WarnContext(ctx, "the workers' snapshots kept seeing different points (busy source); taking FLUSH TABLES WITH READ LOCK briefly instead",
				slog.Int("attempts", lockFreeAttempts))
			return flushLock(ctx, db, srv, n, o.LockTimeout)
		}
		return retrySame(ctx, db, n, o.Logger, readBinlogSnapshot, fallback)
	case MethodFlushLock:
		return flushLock(ctx, db, srv, n, o.LockTimeout)
	}
	return nil, position{}, fmt.Errorf("%w: unknown consistency method %q; use auto, %s, %s or %s", ErrInconsistent, method,
		MethodStandbyCheckpoint, MethodLockFree, MethodFlushLock)
}

// checkpointStream returns the stream whose checkpoint this server holds:
// want when given (an error if it is missing), else the only one ("" when
// there is none; an error naming them when there are several).
func checkpointStream(ctx context.Context, db *sql.DB, want string) (string, error) {
	exists, err := binlog.HasCheckpointTable(ctx, db)
	if err != nil {
		return "", err
	}
	if !exists {
		if want != "" {
			return "", fmt.Errorf("%w: --stream %s: this server has no pilotlight checkpoint table", ErrInconsistent, want)
		}
		return "", nil
	}
	streams, err := binlog.CheckpointStreams(ctx, db)
	if err != nil {
		return "", fmt.Errorf("%w (grant SELECT on %s.* to the snapshot user)", err, binlog.CheckpointSchema)
	}
	switch {
	case want != "":
		for _, s := range streams {
			if s == want {
				return s, nil
			}
		}
		return "", fmt.Errorf("%w: no checkpoint for stream %q here (streams: %s)", ErrInconsistent, want, strings.Join(streams, ", "))
	case len(streams) > 1:
		return "", fmt.Errorf("%w: this standby holds the checkpoints of several streams (%s); choose one with --stream", ErrInconsistent, strings.Join(streams, ", "))
	case len(streams) == 1:
		return streams[0], nil
	}
	return "", nil
}

// retrySame opens n snapshot sessions and reads the point each sees with
// read, until all agree; after lockFreeAttempts it calls fallback (or fails).
func retrySame(ctx context.Context, db *sql.DB, n int, log *slog.Logger,
	read func(context.Context, *sql.Conn) (position, error),
	fallback func(context.Context) ([]*sql.Conn, position, error)) ([]*sql.Conn, position, error) {
	for attempt := 1; attempt <= lockFreeAttempts; attempt++ {
		conns, err := openSessions(ctx, db, n)
		if err != nil {
			return nil, position{}, err
		}
		var first position
		same := true
		for i, c := range conns {
			p, err := read(ctx, c)
			if errors.Is(err, errNotYet) {
				same = false
				break
			}
			if err != nil {
				closeAll(conns)
				return nil, position{}, err
			}
			if i == 0 {
				first = p
			} else if p != first {
				same = false
				break
			}
		}
		if same {
			return conns, first, nil
		}
		closeAll(conns)
		log.DebugContext(ctx, "worker snapshots saw different points; opening them again", slog.Int("attempt", attempt))
		select {
		case <-ctx.Done():
			return nil, position{}, ctx.Err()
		case <-time.After(time.Duration(attempt) * 5 * time.Millisecond):
		}
	}
	if fallback != nil {
		return fallback(ctx)
	}
	return nil, position{}, fmt.Errorf("%w: after %d attempts the workers' snapshots still saw different checkpoints; the applier commits too often for %d workers to agree: retry, or use fewer --threads", ErrInconsistent, lockFreeAttempts, n)
}

// errNotYet: this point cannot be used (a DDL is half-way); open again.
var errNotYet = errors.New("not a usable point yet")

// readCheckpoint reads stream's checkpoint inside the session's snapshot.
func readCheckpoint(ctx context.Context, c *sql.Conn, stream string) (position, error) {
	gtids, pending, err := binlog.ReadCheckpointGTIDs(ctx, c, stream)
	if err != nil {
		return position{}, fmt.Errorf("snapshot session: %w", err)
	}
	if pending != "" {
		return position{}, errNotYet // the DDL ran but its checkpoint is not written yet
	}
	return position{method: MethodStandbyCheckpoint, gtidSet: gtids, stream: stream}, nil
}

// readBinlogSnapshot reads MariaDB's binlog position of the session's
// consistent snapshot and the GTID position it corresponds to.
func readBinlogSnapshot(ctx context.Context, c *sql.Conn) (position, error) {
	rows, err := c.QueryContext(ctx, "SHOW STATUS LIKE 'binlog_snapshot_%'")
	if err != nil {
		return position{}, fmt.Errorf("read the snapshot's binlog position: %w", err)
	}
	p := position{method: MethodLockFree}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			rows.Close()
			return position{}, fmt.Errorf("read the snapshot's binlog position: %w", err)
		}
		switch strings.ToLower(name) {
		case "binlog_snapshot_file":
			p.binlogFile = value
		case "binlog_snapshot_position":
			if _, err := fmt.Sscan(value, &p.binlogPos); err != nil {
				rows.Close()
				return position{}, fmt.Errorf("binlog_snapshot_position %q: %w", value, err)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return position{}, fmt.Errorf("read the snapshot's binlog position: %w", err)
	}
	if p.binlogFile == "" {
		return position{}, fmt.Errorf("%w: the server reports no binlog_snapshot_file (is log_bin on?)", ErrInconsistent)
	}
	var gtid sql.NullString
	q := fmt.Sprintf("SELECT BINLOG_GTID_POS(%s, %d)", appendQuoted(nil, []byte(p.binlogFile)), p.binlogPos)
	if err := c.QueryRowContext(ctx, q).Scan(&gtid); err != nil {
		return position{}, fmt.Errorf("map binlog position %s:%d to a GTID position: %w", p.binlogFile, p.binlogPos, err)
	}
	p.gtidSet = gtid.String
	return p, nil
}

// isAccessDenied reports the server errors of a missing privilege.
func isAccessDenied(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1227 || me.Number == 1045 || me.Number == 1044 || me.Number == 1142)
}
