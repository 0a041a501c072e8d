package binlog

import (
	"context"
	"fmt"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// Set replaces the stream's checkpoint with gtids, an operator's repair
// (`pilotlight checkpoint set`): the standby holds exactly gtids of the source's
// history. token is the caller's lease token and must be above the stored one
// (as Claim requires), which also fences any replicate still running with an
// older token. The source commit time and a pending DDL mark are cleared. A
// stream without a checkpoint gets one (Init).
func (s *CheckpointStore) Set(ctx context.Context, gtids mysqlx.GTIDSet, token uint64) error {
	if _, ok, err := s.Load(ctx); err != nil {
		return err
	} else if !ok {
		return s.Init(ctx, gtids, token)
	}
	if err := s.Claim(ctx, token); err != nil {
		return err
	}
	text, err := s.storable(gtids)
	if err != nil {
		return fmt.Errorf("set checkpoint of stream %s: %w", s.streamID, err)
	}
	res, err := s.db.ExecContext(ctx, "UPDATE "+checkpointTable+" SET gtid_set = ?, source_commit_ts = NULL, "+
		"pending_ddl = NULL, source_binlog_file = NULL, source_binlog_pos = NULL, updated_at = CURRENT_TIMESTAMP(6) WHERE stream_id = ? AND fencing_token = ?",
		text, s.streamID, token)
	if err != nil {
		return fmt.Errorf("set checkpoint of stream %s: %w", s.streamID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("set checkpoint of stream %s: %w (another process claimed it meanwhile)", s.streamID, ErrFenced)
	}
	return nil
}

// Reset deletes the stream's checkpoint (`pilotlight checkpoint reset`), so that
// the next replicate starts afresh with --from-start or --start-gtid. token is
// the caller's lease token: a row written with a higher one (a newer holder) is
// not deleted (ErrFenced). It returns the checkpoint it deleted; ok is false when
// there was none.
func (s *CheckpointStore) Reset(ctx context.Context, token uint64) (cp Checkpoint, ok bool, err error) {
	if cp, ok, err = s.Load(ctx); err != nil || !ok {
		return cp, ok, err
	}
	res, err := s.db.ExecContext(ctx, "DELETE FROM "+checkpointTable+" WHERE stream_id = ? AND fencing_token < ?",
		s.streamID, token)
	if err != nil {
		return cp, true, fmt.Errorf("reset checkpoint of stream %s: %w", s.streamID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return cp, true, fmt.Errorf("reset checkpoint of stream %s: %w (a replicate with a newer token holds it)",
			s.streamID, ErrFenced)
	}
	return cp, true, nil
}
