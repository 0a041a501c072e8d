package binlog

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// checkpointMove is one step of the checkpoint, written by the transaction that
// applies the rows it covers.
type checkpointMove struct {
	from, to   mysqlx.GTIDSet
	commit     time.Time // source commit time of the newest transaction; zero keeps the stored one
	token      uint64
	pendingDDL string // set: mark this DDL GTID as about to run (to stays from)
	file       string // source binlog file and end position of the newest transaction; "" keeps the stored ones
	pos        uint32
}

// moveSQL is the two statements that move the checkpoint inside the applying
// transaction, fenced like Advance but without a result set, so that they travel
// with COMMIT in one multi-statement packet:
//
//	UPDATE ... SET gtid_set = IF(fencing_token = T AND gtid_set = 'from', 'to', NULL), ... WHERE stream_id = 's';
//	INSERT INTO ... SELECT 's', 'flavor', NULL, 0 FROM DUAL WHERE ROW_COUNT() <> 1
//
// When another holder's token is stored (fenced), or the stored set is not the one
// this applier committed last (someone else moved it), the IF yields NULL for a NOT
// NULL column and, in the strict sql_mode the two statements run in (the session's
// own is permissive for rows, see applySession, and comes back after them), the
// UPDATE fails with error 1048, so nothing after it runs. When the row is missing, the UPDATE changes
// nothing and the INSERT of a NULL gtid_set fails the same way (updated_at always
// changes, so a present row always counts 1): rows are never committed without their
// checkpoint. The session must be in UTC (applySession) for the TIMESTAMP values.
func (s *CheckpointStore) moveSQL(m checkpointMove) (string, error) {
	from, err := s.storable(m.from)
	if err != nil {
		return "", fmt.Errorf("checkpoint of stream %s: %w", s.streamID, err)
	}
	to, err := s.storable(m.to)
	if err != nil {
		return "", fmt.Errorf("checkpoint of stream %s: %w", s.streamID, err)
	}
	if err := s.checkAdvance(Checkpoint{SourceCommit: m.commit}); err != nil {
		return "", fmt.Errorf("checkpoint of stream %s: %w", s.streamID, err)
	}
	if !m.to.Contains(m.from) {
		return "", fmt.Errorf("checkpoint of stream %s: %w: %s to %s", s.streamID, ErrCheckpointBackwards, from, to)
	}
	commit := "NULL"
	if !m.commit.IsZero() {
		commit = "'" + m.commit.UTC().Format("2006-01-02 15:04:05.000000") + "'"
	}
	pending := "NULL"
	if m.pendingDDL != "" {
		pending = quoteString(m.pendingDDL)
	}
	file, pos := "source_binlog_file", "source_binlog_pos"
	if m.file != "" {
		file, pos = quoteString(m.file), strconv.FormatUint(uint64(m.pos), 10)
	}
	token := strconv.FormatUint(m.token, 10)
	id := quoteString(s.streamID)
	return "SET SESSION sql_mode = '" + fenceSQLMode + "';\nUPDATE " + checkpointTable + " SET gtid_set = IF(fencing_token = " + token + " AND gtid_set = " +
		quoteString(from) + ", " + quoteString(to) + ", NULL), source_commit_ts = COALESCE(" + commit +
		", source_commit_ts), pending_ddl = " + pending + ", source_binlog_file = " + file + ", source_binlog_pos = " + pos +
		", updated_at = CURRENT_TIMESTAMP(6) WHERE stream_id = " + id +
		";\nINSERT INTO " + checkpointTable + " (stream_id, flavor, gtid_set, fencing_token) SELECT " + id + ", " +
		quoteString(string(s.flavor)) + ", NULL, 0 FROM DUAL WHERE ROW_COUNT() <> 1;\nSET SESSION sql_mode = '" + rowsSQLMode + "'", nil
}

// explainRefused says why a checkpoint move failed the fence: the stored row as it
// is now, against what this applier expected (wrapping ErrFenced when another
// token is stored).
func (s *CheckpointStore) explainRefused(ctx context.Context, m checkpointMove, cause error) error {
	cp, ok, err := s.Load(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("checkpoint of stream %s refused the write (%v), and reading it failed: %w", s.streamID, cause, err)
	case !ok:
		return fmt.Errorf("checkpoint of stream %s: %w (the row was deleted)", s.streamID, ErrNoCheckpoint)
	case cp.Token != m.token:
		return fmt.Errorf("advance checkpoint of stream %s with token %d: stored token is %d: %w",
			s.streamID, m.token, cp.Token, ErrFenced)
	}
	return fmt.Errorf("advance checkpoint of stream %s: it holds %q, not %q as this applier committed last: %w "+
		"(was it edited by hand?)", s.streamID, cp.GTIDs, m.from, ErrFenced)
}
