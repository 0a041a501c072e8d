package binlog

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// The heartbeat table lives on the PRIMARY, in the same schema name as the
// checkpoint on the standby. Its rows reach the standby's applier through the
// binlog like any write; the applier never applies the pilotlight schema, it only
// reads each heartbeat's ts as proof that the source was alive and had nothing
// older left to send when it wrote that row (see HeartbeatFromRows).
//
// ts is DATETIME(6) holding UTC_TIMESTAMP(6), not a TIMESTAMP: a TIMESTAMP is
// converted through the writing session's time_zone (and is ambiguous in a
// daylight-saving fall-back hour), while a DATETIME holds exactly the UTC wall
// clock it was given, needs no default (so explicit_defaults_for_timestamp does
// not matter) and decodes from the binlog without any time zone.
//
// HeartbeatFromRows reads the row images by column POSITION (names are in the
// binlog only with binlog_row_metadata=FULL), so the order of the first two
// columns below is part of the format: never reorder them; add columns at the end.
// Schema is pilotlight's own schema: the checkpoint on the standby, the heartbeat
// on the primary. Table filters must always let it through to the applier.
const Schema = checkpointSchema

const (
	heartbeatTableName = "heartbeat"
	heartbeatStreamCol = 0 // stream_id
	heartbeatTSCol     = 1 // ts
	heartbeatMinCols   = 3
)

// heartbeatDDL creates the table in schema (the pilotlight schema; tests use their
// own). The USE makes the server log the CREATE TABLE under that schema, as it logs
// CREATE DATABASE under the database created, so the applier skips both.
func heartbeatDDL(schema string) []string {
	return []string{
		"CREATE DATABASE IF NOT EXISTS `" + schema + "`",
		"USE `" + schema + "`",
		"CREATE TABLE IF NOT EXISTS `" + heartbeatTableName + "` (\n" +
			"  stream_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,\n" +
			"  ts        DATETIME(6) NOT NULL COMMENT 'UTC_TIMESTAMP(6) of the write, on the primary clock',\n" +
			"  server_id INT UNSIGNED NOT NULL COMMENT '@@server_id of the server that wrote the row'\n" +
			") ENGINE=InnoDB COMMENT='pilotlight heartbeats (layout version 1): one row per stream, rewritten every --heartbeat'",
	}
}

// heartbeatWrite upserts one stream's row: the first write inserts, later ones
// update. UTC_TIMESTAMP(6) is the statement's start time, so both mentions agree.
func heartbeatWrite(schema string) string {
	return "INSERT INTO `" + schema + "`.`" + heartbeatTableName + "` (stream_id, ts, server_id) " +
		"VALUES (?, UTC_TIMESTAMP(6), @@server_id) " +
		"ON DUPLICATE KEY UPDATE ts = UTC_TIMESTAMP(6), server_id = @@server_id"
}

// MinHeartbeatInterval is the shortest heartbeat interval NewHeartbeatWriter accepts.
const MinHeartbeatInterval = 100 * time.Millisecond

// HeartbeatWriter rewrites the stream's row in the primary's pilotlight.heartbeat
// every interval, so that an idle primary still produces a fresh, timestamped
// transaction in its binlog and the standby's lag stays measured.
type HeartbeatWriter struct {
	db       *sql.DB
	schema   string // checkpointSchema; tests use their own
	stream   string
	every    time.Duration
	logger   *slog.Logger
	throttle errorThrottle
	onWrite  func(error) // tests only: called after each write attempt
}

// NewHeartbeatWriter returns a writer for the stream on the primary db (a pool: a
// broken connection is replaced by database/sql on the next write). every must be
// at least MinHeartbeatInterval.
func NewHeartbeatWriter(db *sql.DB, stream string, every time.Duration, logger *slog.Logger) (*HeartbeatWriter, error) {
	if db == nil {
		return nil, errors.New("heartbeat writer: primary db is nil")
	}
	if !streamIDPattern.MatchString(stream) {
		return nil, fmt.Errorf("heartbeat writer: stream id %q: want 1 to 64 characters from a-z A-Z 0-9 _ . -", stream)
	}
	if every < MinHeartbeatInterval {
		return nil, fmt.Errorf("heartbeat writer: interval %s is below the minimum %s", every, MinHeartbeatInterval)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &HeartbeatWriter{db: db, schema: checkpointSchema, stream: stream, every: every, logger: logger,
		throttle: errorThrottle{every: heartbeatLogEvery}}, nil
}

// table is the quoted name of the heartbeat table.
func (w *HeartbeatWriter) table() string { return "`" + w.schema + "`.`" + heartbeatTableName + "`" }

// Ensure creates pilotlight.heartbeat on the primary when it is missing and checks
// that an existing one has the layout HeartbeatFromRows reads. It is idempotent and
// writes nothing to the binlog when the table exists. The DDL it runs is logged
// under the pilotlight schema, which the applier never applies.
func (w *HeartbeatWriter) Ensure(ctx context.Context) error {
	cols, err := w.columns(ctx)
	if err != nil {
		return err
	}
	if len(cols) == 0 {
		if err := w.create(ctx); err != nil {
			return err
		}
		if cols, err = w.columns(ctx); err != nil {
			return err
		}
	}
	if len(cols) < heartbeatMinCols || cols[heartbeatStreamCol] != "stream_id" || cols[heartbeatTSCol] != "ts" {
		return fmt.Errorf("ensure heartbeat table: %s on the primary has columns %v; pilotlight reads stream_id "+
			"and ts as its first two columns: drop the table and let pilotlight recreate it", w.table(), cols)
	}
	return nil
}

// columns lists the heartbeat table's columns in order (none when it is missing or
// the user has no privilege on it: information_schema shows only those).
func (w *HeartbeatWriter) columns(ctx context.Context) ([]string, error) {
	rows, err := w.db.QueryContext(ctx, "SELECT COLUMN_NAME FROM information_schema.COLUMNS "+
		"WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", w.schema, heartbeatTableName)
	if err != nil {
		return nil, fmt.Errorf("ensure heartbeat table: look for %s on the primary: %w", w.table(), err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("ensure heartbeat table: %w", err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ensure heartbeat table: %w", err)
	}
	return cols, nil
}

// create runs the DDL on one connection (USE changes only that session).
func (w *HeartbeatWriter) create(ctx context.Context) error {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("ensure heartbeat table: connect to the primary: %w", err)
	}
	defer conn.Close()
	// The session's default database is changed: do not hand it back to the pool.
	defer func() { _ = conn.Raw(func(any) error { return driver.ErrBadConn }) }()
	for _, stmt := range heartbeatDDL(w.schema) {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return w.privilegeError(ctx, err)
		}
	}
	return nil
}

// privilegeError turns an access-denied error into one naming the GRANT to run.
func (w *HeartbeatWriter) privilegeError(ctx context.Context, err error) error {
	account, denied := deniedAccount(ctx, w.db, err)
	if !denied {
		return fmt.Errorf("ensure heartbeat table: %w", err)
	}
	return fmt.Errorf("ensure heartbeat table: --heartbeat writes %s on the primary and the source user may not "+
		"create it; as an administrator on the primary run: GRANT CREATE, INSERT, UPDATE ON `%s`.* TO %s; "+
		"(or create the table yourself and grant INSERT, UPDATE; or turn the heartbeat off): %w",
		w.table(), w.schema, account, err)
}
