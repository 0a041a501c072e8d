package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// Sentinel errors of the checkpoint (wrapped; test with errors.Is).
var (
	// ErrFenced: the checkpoint row carries a fencing token other than ours, so a newer
	// lease holder has taken over this stream (or we never claimed it). The caller must
	// roll back and stop writing.
	ErrFenced = errors.New("checkpoint fenced: another replicator holds a newer lease for this stream")
	// ErrCheckpointExists: Init found a checkpoint row for the stream already.
	ErrCheckpointExists = errors.New("checkpoint already exists for this stream")
	// ErrNoCheckpoint: the stream has no checkpoint row yet (see Init).
	ErrNoCheckpoint = errors.New("no checkpoint for this stream (start with --from-start or --start-gtid)")
	// ErrCheckpointBackwards: an Advance whose GTID set does not contain the stored one.
	ErrCheckpointBackwards = errors.New("checkpoint would go backwards")
)

// Checkpoint is the standby's record of what it has applied for one stream.
type Checkpoint struct {
	StreamID string
	// GTIDs are the source transactions applied on the standby (a MariaDB position or
	// a MySQL GTID set).
	GTIDs mysqlx.GTIDSet
	// SourceCommit is the source commit time of the last applied transaction, UTC,
	// microsecond precision; zero when unknown.
	SourceCommit time.Time
	// Token is the fencing token of the lease holder that wrote the row.
	Token uint64
	// UpdatedAt is the standby's clock when the row was last written (UTC); Advance
	// ignores the field and uses the server's clock.
	UpdatedAt time.Time
	// PendingDDL is the GTID of a DDL statement that was about to run when the row was
	// written and whose own checkpoint has not been written yet: the DDL may or may
	// not have been applied (DDL commits by itself). Empty otherwise.
	PendingDDL string
	// SourceFile and SourcePos say where the last applied transaction ends in the
	// source's binlog; "" and 0 when unknown (nothing applied since the checkpoint
	// was set, or an older pilotlight wrote it).
	SourceFile string
	SourcePos  uint64
}

// CheckpointStore reads and writes one stream's checkpoint row in the standby's
// pilotlight.checkpoint table. It is safe for concurrent use; the fencing token is
// what keeps two writers apart, not the store.
type CheckpointStore struct {
	db       *sql.DB
	streamID string
	flavor   mysqlx.Flavor
}

var streamIDPattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,64}$`)

// NewCheckpointStore returns a store for the stream on the standby db. The stream id
// is 1 to 64 characters from [a-zA-Z0-9_.-]; flavor is the source's GTID flavor.
func NewCheckpointStore(db *sql.DB, streamID string, flavor mysqlx.Flavor) (*CheckpointStore, error) {
	if db == nil {
		return nil, fmt.Errorf("checkpoint store: no standby connection")
	}
	if !streamIDPattern.MatchString(streamID) {
		return nil, fmt.Errorf("checkpoint store: stream id %q: want 1 to 64 characters from a-z A-Z 0-9 _ . -", streamID)
	}
	if flavor != mysqlx.MySQL && flavor != mysqlx.MariaDB {
		return nil, fmt.Errorf("checkpoint store: unknown flavor %q (want mysql or mariadb)", flavor)
	}
	return &CheckpointStore{db: db, streamID: streamID, flavor: flavor}, nil
}

// StreamID is the stream the store reads and writes.
func (s *CheckpointStore) StreamID() string { return s.streamID }

// Load reads the stream's checkpoint; ok is false when the stream has none. Times are
// read as Unix timestamps, so the session time zone does not matter.
func (s *CheckpointStore) Load(ctx context.Context) (cp Checkpoint, ok bool, err error) {
	var flavor, gtids string
	var commit, updated, pending, file sql.NullString
	var pos sql.NullInt64
	err = s.db.QueryRowContext(ctx, "SELECT flavor, gtid_set, UNIX_TIMESTAMP(source_commit_ts), "+
		"fencing_token, UNIX_TIMESTAMP(updated_at), pending_ddl, source_binlog_file, source_binlog_pos FROM "+
		checkpointTable+" WHERE stream_id = ?",
		s.streamID).Scan(&flavor, &gtids, &commit, &cp.Token, &updated, &pending, &file, &pos)
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("load checkpoint of stream %s: %w", s.streamID, err)
	}
	if mysqlx.Flavor(flavor) != s.flavor {
		return Checkpoint{}, false, fmt.Errorf("load checkpoint of stream %s: it holds %s GTIDs but the source is %s",
			s.streamID, flavor, s.flavor)
	}
	if cp.GTIDs, err = s.parseStored(gtids); err != nil {
		return Checkpoint{}, false, fmt.Errorf("load checkpoint of stream %s: %w", s.streamID, err)
	}
	if cp.SourceCommit, err = parseUnixMicros(commit); err != nil {
		return Checkpoint{}, false, fmt.Errorf("load checkpoint of stream %s: source_commit_ts: %w", s.streamID, err)
	}
	if cp.UpdatedAt, err = parseUnixMicros(updated); err != nil {
		return Checkpoint{}, false, fmt.Errorf("load checkpoint of stream %s: updated_at: %w", s.streamID, err)
	}
	cp.StreamID, cp.PendingDDL, cp.SourceFile, cp.SourcePos = s.streamID, pending.String, file.String, uint64(pos.Int64)
	return cp, true, nil
}

// Init writes the stream's first checkpoint: gtids is what the standby already holds
// (empty for --from-start, the operator's set for --start-gtid), token the fencing
// token of the caller's lease. ErrCheckpointExists when the stream has a row already.
func (s *CheckpointStore) Init(ctx context.Context, gtids mysqlx.GTIDSet, token uint64) error {
	text, err := s.storable(gtids)
	if err != nil {
		return fmt.Errorf("init checkpoint of stream %s: %w", s.streamID, err)
	}
	_, err = s.db.ExecContext(ctx, "INSERT INTO "+checkpointTable+" (stream_id, flavor, gtid_set, "+
		"source_commit_ts, fencing_token, updated_at) VALUES (?, ?, ?, NULL, ?, CURRENT_TIMESTAMP(6))",
		s.streamID, string(s.flavor), text, token)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1062 { // ER_DUP_ENTRY
		return fmt.Errorf("init checkpoint of stream %s: %w", s.streamID, ErrCheckpointExists)
	}
	if err != nil {
		return fmt.Errorf("init checkpoint of stream %s: %w", s.streamID, err)
	}
	return nil
}

// Claim records that the caller, holding a fresh lease with this token, now owns the
// stream: the stored token is raised to token, which fences every older holder at its
// next Advance. ErrFenced when the stored token is already >= token (a newer holder
// exists); ErrNoCheckpoint when the stream has no row.
func (s *CheckpointStore) Claim(ctx context.Context, token uint64) error {
	res, err := s.db.ExecContext(ctx, "UPDATE "+checkpointTable+" SET fencing_token = ?, "+
		"updated_at = CURRENT_TIMESTAMP(6) WHERE stream_id = ? AND fencing_token < ?", token, s.streamID, token)
	if err != nil {
		return fmt.Errorf("claim checkpoint of stream %s with token %d: %w", s.streamID, token, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("claim checkpoint of stream %s with token %d: %w", s.streamID, token, err)
	} else if n == 1 {
		return nil
	}
	var stored uint64
	err = s.db.QueryRowContext(ctx, "SELECT fencing_token FROM "+checkpointTable+" WHERE stream_id = ?",
		s.streamID).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("claim checkpoint of stream %s: %w", s.streamID, ErrNoCheckpoint)
	case err != nil:
		return fmt.Errorf("claim checkpoint of stream %s with token %d: %w", s.streamID, token, err)
	}
	return fmt.Errorf("claim checkpoint of stream %s with token %d: stored token is %d: %w",
		s.streamID, token, stored, ErrFenced)
}

// storable checks that g can be stored for this stream and returns its text: the
// store's flavor (or the empty zero set), and text that Parse reads back (a MariaDB
// set with a range not starting at 1 is not a position and cannot be a checkpoint).
func (s *CheckpointStore) storable(g mysqlx.GTIDSet) (string, error) {
	if g.Flavor() != "" && g.Flavor() != s.flavor {
		return "", fmt.Errorf("%w: checkpoint is %s, GTID set is %s", mysqlx.ErrFlavorMismatch, s.flavor, g.Flavor())
	}
	text := g.String()
	back, err := mysqlx.Parse(s.flavor, text)
	if err != nil || !back.Equal(g) {
		return "", fmt.Errorf("GTID set %q cannot be stored as a %s checkpoint: %v", text, s.flavor, err)
	}
	return text, nil
}

// parseUnixMicros reads UNIX_TIMESTAMP(col) of a TIMESTAMP(6) ("1700000000.123456")
// exactly, without going through float64. NULL is the zero time.
func parseUnixMicros(v sql.NullString) (time.Time, error) {
	if !v.Valid || v.String == "" {
		return time.Time{}, nil
	}
	secText, fracText, _ := strings.Cut(v.String, ".")
	sec, err := strconv.ParseInt(secText, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("unix time %q: %w", v.String, err)
	}
	if len(fracText) > 9 {
		return time.Time{}, fmt.Errorf("unix time %q: too many fractional digits", v.String)
	}
	var nsec int64
	if fracText != "" {
		if nsec, err = strconv.ParseInt(fracText+strings.Repeat("0", 9-len(fracText)), 10, 64); err != nil {
			return time.Time{}, fmt.Errorf("unix time %q: %w", v.String, err)
		}
	}
	if sec == 0 && nsec == 0 { // a zero TIMESTAMP ('0000-00-00')
		return time.Time{}, nil
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// parseStored parses a GTID set read from the checkpoint table.
func (s *CheckpointStore) parseStored(text string) (g mysqlx.GTIDSet, err error) {
	if g, err = mysqlx.Parse(s.flavor, text); err != nil {
		return mysqlx.GTIDSet{}, fmt.Errorf("stored checkpoint: %w", err)
	}
	return g, nil
}
