package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// utcZone is the session time zone the checkpoint's TIMESTAMP values are written in.
const utcZone = "+00:00"

// The range of a TIMESTAMP column.
var (
	minTimestamp = time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC)
	maxTimestamp = time.Date(2038, 1, 19, 3, 14, 7, 999999000, time.UTC)
)

// Advance moves the stream's checkpoint to cp inside the caller's transaction tx, the
// same transaction that applied the rows cp covers, so that both commit or neither
// does. It is the only way the checkpoint moves forward.
//
// It locks the row (SELECT ... FOR UPDATE, which also serializes it against Claim),
// then refuses with ErrFenced when the stored token is not cp.Token (a newer lease
// holder claimed the stream, or the caller never claimed it), and with
// ErrCheckpointBackwards when cp.GTIDs does not contain the stored set. On any error
// the caller must roll back tx. cp.SourceCommit is stored to the microsecond (it is
// truncated); a zero SourceCommit keeps the stored one. cp.UpdatedAt is ignored.
//
// TIMESTAMP values are written in the session's time zone, so when tx's session is
// not on UTC, Advance switches it to UTC for its UPDATE and switches it back after.
// Applying in UTC (time_zone='+00:00' on the standby connections) avoids those two
// extra round trips.
func (s *CheckpointStore) Advance(ctx context.Context, tx *sql.Tx, cp Checkpoint) error {
	if err := s.checkAdvance(cp); err != nil {
		return fmt.Errorf("advance checkpoint of stream %s: %w", s.streamID, err)
	}
	text, err := s.storable(cp.GTIDs)
	if err != nil {
		return fmt.Errorf("advance checkpoint of stream %s: %w", s.streamID, err)
	}
	var token uint64
	var stored, zone string
	err = tx.QueryRowContext(ctx, "SELECT fencing_token, gtid_set, @@session.time_zone FROM "+
		checkpointTable+" WHERE stream_id = ? FOR UPDATE", s.streamID).Scan(&token, &stored, &zone)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("advance checkpoint of stream %s: %w", s.streamID, ErrNoCheckpoint)
	case err != nil:
		return fmt.Errorf("advance checkpoint of stream %s: lock row: %w", s.streamID, err)
	case token != cp.Token:
		return fmt.Errorf("advance checkpoint of stream %s with token %d: stored token is %d: %w",
			s.streamID, cp.Token, token, ErrFenced)
	}
	if err := s.checkForward(stored, cp); err != nil {
		return fmt.Errorf("advance checkpoint of stream %s: %w", s.streamID, err)
	}
	var commit any // NULL: keep the stored commit time
	if !cp.SourceCommit.IsZero() {
		commit = cp.SourceCommit.UTC().Format("2006-01-02 15:04:05.000000")
	}
	return s.inUTC(ctx, tx, zone, func() error {
		_, err := tx.ExecContext(ctx, "UPDATE "+checkpointTable+" SET gtid_set = ?, "+
			"source_commit_ts = COALESCE(?, source_commit_ts), updated_at = CURRENT_TIMESTAMP(6) "+
			"WHERE stream_id = ? AND fencing_token = ?", text, commit, s.streamID, cp.Token)
		if err != nil {
			return fmt.Errorf("advance checkpoint of stream %s: %w", s.streamID, err)
		}
		return nil
	})
}

// checkAdvance validates the fields of cp that need no database.
func (s *CheckpointStore) checkAdvance(cp Checkpoint) error {
	if cp.StreamID != "" && cp.StreamID != s.streamID {
		return fmt.Errorf("checkpoint is for stream %q, the store for %q", cp.StreamID, s.streamID)
	}
	if t := cp.SourceCommit; !t.IsZero() && (t.Before(minTimestamp) || t.After(maxTimestamp)) {
		return fmt.Errorf("source commit time %s is outside the TIMESTAMP range %s to %s",
			t.UTC().Format(time.RFC3339Nano), minTimestamp.Format(time.RFC3339), maxTimestamp.Format(time.RFC3339Nano))
	}
	return nil
}

// checkForward refuses a checkpoint that would drop transactions the stored one has.
func (s *CheckpointStore) checkForward(storedText string, cp Checkpoint) error {
	stored, err := s.parseStored(storedText)
	if err != nil {
		return err
	}
	if !cp.GTIDs.Contains(stored) {
		missing, derr := stored.Subtract(cp.GTIDs)
		detail := missing.String()
		if derr != nil {
			detail = derr.Error()
		}
		return fmt.Errorf("%w: stored %q, new %q lacks %s", ErrCheckpointBackwards, storedText, cp.GTIDs.String(), detail)
	}
	return nil
}

// inUTC runs fn with tx's session time zone at UTC, restoring zone afterwards when it
// was something else. The restore runs even when fn fails, so a caller that rolls
// back and reuses the connection keeps its own time zone.
func (s *CheckpointStore) inUTC(ctx context.Context, tx *sql.Tx, zone string, fn func() error) error {
	if zone == utcZone {
		return fn()
	}
	if _, err := tx.ExecContext(ctx, "SET time_zone = ?", utcZone); err != nil {
		return fmt.Errorf("advance checkpoint of stream %s: set session time zone to UTC: %w", s.streamID, err)
	}
	ferr := fn()
	if _, err := tx.ExecContext(ctx, "SET time_zone = ?", zone); err != nil && ferr == nil {
		return fmt.Errorf("advance checkpoint of stream %s: restore session time zone %q: %w", s.streamID, zone, err)
	}
	return ferr
}
