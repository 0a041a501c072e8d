package binlog

import (
	"context"
	"database/sql"
	"fmt"
)

// CheckpointSchema is the standby schema that holds pilotlight's own tables
// (the checkpoint and its layout version). Replicated data never lives there,
// and a snapshot or restore of the standby's data should leave it out.
const CheckpointSchema = checkpointSchema

// checkpointTableName is the checkpoint table's name inside checkpointSchema,
// as information_schema spells it.
const checkpointTableName = "checkpoint"

// Querier is what the checkpoint readers below query through: *sql.DB,
// *sql.Conn and *sql.Tx all satisfy it. A reader that must see a transaction's
// snapshot passes the *sql.Conn or *sql.Tx of that transaction.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// The readers' statements inline the stream id as a literal rather than as a
// placeholder, so that they run as one text-protocol round trip inside the
// caller's (possibly snapshot) transaction, without a prepared statement.
const (
	hasCheckpointSQL     = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + checkpointSchema + "' AND TABLE_NAME = '" + checkpointTableName + "'"
	checkpointStreamsSQL = "SELECT stream_id FROM " + checkpointTable + " ORDER BY stream_id"
)

// HasCheckpointTable reports whether the server holds the pilotlight
// checkpoint table, i.e. whether it is (or was) a standby fed by pilotlight
// replicate. information_schema lists only the tables the user has some
// privilege on, so a user without any on the pilotlight schema sees none.
func HasCheckpointTable(ctx context.Context, q Querier) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, hasCheckpointSQL).Scan(&n); err != nil {
		return false, fmt.Errorf("look for the pilotlight checkpoint table: %w", err)
	}
	return n > 0, nil
}

// CheckpointStreams lists the streams that have a checkpoint row, in stream id
// order. The table must exist (see HasCheckpointTable).
func CheckpointStreams(ctx context.Context, q Querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, checkpointStreamsSQL)
	if err != nil {
		return nil, fmt.Errorf("read the pilotlight checkpoints: %w", err)
	}
	defer rows.Close()
	var streams []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("read the pilotlight checkpoints: %w", err)
		}
		streams = append(streams, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the pilotlight checkpoints: %w", err)
	}
	return streams, nil
}

// ReadCheckpointGTIDs reads stream's stored GTID set, as text in the source
// flavor's syntax, and its pending DDL mark ("" when none: a set mark means a
// DDL may have run without its checkpoint yet, so the GTID set may be behind
// the data). Read through a transaction's connection, it is the checkpoint
// that transaction's snapshot sees. A stream without a row is an error
// wrapping sql.ErrNoRows.
func ReadCheckpointGTIDs(ctx context.Context, q Querier, stream string) (gtids, pendingDDL string, err error) {
	var pending sql.NullString
	query := "SELECT gtid_set, pending_ddl FROM " + checkpointTable + " WHERE stream_id = " + quoteString(stream)
	if err := q.QueryRowContext(ctx, query).Scan(&gtids, &pending); err != nil {
		return "", "", fmt.Errorf("read the checkpoint of stream %s: %w", stream, err)
	}
	return gtids, pending.String, nil
}

// LockCheckpointShared reads stream's stored GTID set with a shared lock on its
// row (LOCK IN SHARE MODE). q must be inside a transaction: until it ends, the
// applier, which moves that row in every transaction it commits, cannot
// commit, while readers go on. A stream without a row is an error wrapping
// sql.ErrNoRows.
func LockCheckpointShared(ctx context.Context, q Querier, stream string) (gtids string, err error) {
	query := "SELECT gtid_set FROM " + checkpointTable + " WHERE stream_id = " + quoteString(stream) + " LOCK IN SHARE MODE"
	if err := q.QueryRowContext(ctx, query).Scan(&gtids); err != nil {
		return "", fmt.Errorf("lock the checkpoint of stream %s: %w", stream, err)
	}
	return gtids, nil
}
