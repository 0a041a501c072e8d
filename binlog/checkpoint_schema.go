package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"
)

// The checkpoint lives in its own schema on the standby so that it never collides
// with replicated databases (the applier must filter the pilotlight schema out).
const (
	checkpointSchema  = "pilotlight"
	checkpointTable   = "`pilotlight`.`checkpoint`"
	schemaVersionTbl  = "`pilotlight`.`schema_version`"
	checkpointVersion = 3 // version of the checkpoint table's layout written by this code
)

// The DDL is explicit about every TIMESTAMP default so that servers with
// explicit_defaults_for_timestamp=OFF do not add ON UPDATE CURRENT_TIMESTAMP.
var checkpointDDL = []string{
	"CREATE DATABASE IF NOT EXISTS `" + checkpointSchema + "`",
	"CREATE TABLE IF NOT EXISTS " + schemaVersionTbl + ` (
  component  VARCHAR(64) NOT NULL PRIMARY KEY,
  version    INT UNSIGNED NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB COMMENT='layout versions of the pilotlight tables, for migrations'`,
	"CREATE TABLE IF NOT EXISTS " + checkpointTable + ` (
  stream_id        VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  flavor           VARCHAR(16) CHARACTER SET ascii NOT NULL,
  gtid_set         MEDIUMTEXT CHARACTER SET ascii NOT NULL,
  source_commit_ts TIMESTAMP(6) NULL DEFAULT NULL,
  fencing_token    BIGINT UNSIGNED NOT NULL,
  updated_at       TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  pending_ddl      VARCHAR(128) CHARACTER SET ascii NULL DEFAULT NULL,
  source_binlog_file VARCHAR(255) NULL DEFAULT NULL,
  source_binlog_pos  BIGINT UNSIGNED NULL DEFAULT NULL
) ENGINE=InnoDB COMMENT='pilotlight replication checkpoints: written only in the transaction that applies the rows'`,
	"INSERT IGNORE INTO " + schemaVersionTbl + " (component, version) VALUES ('checkpoint', 3)",
}

// checkpointMigrations bring an older layout to checkpointVersion; entry i takes
// version i+1 to i+2. Version 2 added pending_ddl: the GTID of a DDL statement that
// may have run without its checkpoint (DDL commits by itself), so that a restart can
// tell "already applied" from a real error. Version 3 added the source binlog file
// and position where the last applied transaction ends, so that a reconnect can
// ask the primary whether that point still holds the same history.
var checkpointMigrations = [][]string{
	{"ALTER TABLE " + checkpointTable + " ADD COLUMN pending_ddl VARCHAR(128) CHARACTER SET ascii NULL DEFAULT NULL"},
	{"ALTER TABLE " + checkpointTable + " ADD COLUMN source_binlog_file VARCHAR(255) NULL DEFAULT NULL, " +
		"ADD COLUMN source_binlog_pos BIGINT UNSIGNED NULL DEFAULT NULL"},
}

// Ensure creates the pilotlight schema and its tables when they are missing, and
// checks that their layout is one this code understands. It is idempotent. When the
// tables exist already (a DBA created them), no CREATE privilege is needed; when they
// do not and the standby user may not create them, the error names the GRANT to run.
func (s *CheckpointStore) Ensure(ctx context.Context) error {
	exists, err := s.tablesExist(ctx)
	if err != nil {
		return fmt.Errorf("ensure checkpoint table: %w", err)
	}
	if !exists {
		for _, stmt := range checkpointDDL {
			if _, err := s.db.ExecContext(ctx, stmt); err != nil {
				return s.privilegeError(ctx, err)
			}
		}
	}
	var version uint32
	readVersion := func() error {
		return s.db.QueryRowContext(ctx, "SELECT version FROM "+schemaVersionTbl+" WHERE component = 'checkpoint'").Scan(&version)
	}
	err = readVersion()
	if errors.Is(err, sql.ErrNoRows) {
		// Another process created the tables a moment ago and is about to record
		// their version, or a DBA created them without it: record the layout the
		// table has (version 2 added pending_ddl, 3 the binlog position), and the
		// migrations below go on.
		var cols int
		if qerr := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? "+
			"AND TABLE_NAME = 'checkpoint' AND COLUMN_NAME IN ('pending_ddl', 'source_binlog_file')", checkpointSchema).Scan(&cols); qerr == nil {
			if _, ierr := s.db.ExecContext(ctx, "INSERT IGNORE INTO "+schemaVersionTbl+
				" (component, version) VALUES ('checkpoint', ?)", 1+cols); ierr == nil {
				err = readVersion()
			}
		}
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("ensure checkpoint table: %s has no row for component 'checkpoint'; "+
			"insert (component, version) = ('checkpoint', %d) or drop the pilotlight schema to recreate it",
			schemaVersionTbl, checkpointVersion)
	case err != nil:
		return s.privilegeError(ctx, err)
	case version > checkpointVersion:
		return fmt.Errorf("ensure checkpoint table: layout version %d was written by a newer pilotlight "+
			"(this one knows version %d); upgrade pilotlight", version, checkpointVersion)
	}
	for v := version; v < checkpointVersion; v++ {
		for _, stmt := range checkpointMigrations[v-1] {
			_, err := s.db.ExecContext(ctx, stmt)
			var me *mysql.MySQLError
			if errors.As(err, &me) && me.Number == 1060 { // duplicate column: another process upgraded it
				err = nil
			}
			if err != nil {
				return fmt.Errorf("ensure checkpoint table: upgrade layout %d to %d (needs ALTER on the %s schema): %w",
					v, v+1, checkpointSchema, err)
			}
		}
		if _, err := s.db.ExecContext(ctx, "UPDATE "+schemaVersionTbl+" SET version = ?, updated_at = CURRENT_TIMESTAMP(6) "+
			"WHERE component = 'checkpoint'", v+1); err != nil {
			return fmt.Errorf("ensure checkpoint table: record layout %d: %w", v+1, err)
		}
	}
	return nil
}

// tablesExist reports whether both pilotlight tables exist. information_schema only
// lists tables the user has some privilege on, which is what matters here.
func (s *CheckpointStore) tablesExist(ctx context.Context) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES "+
		"WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN ('checkpoint', 'schema_version')", checkpointSchema).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look for the %s schema: %w", checkpointSchema, err)
	}
	return n == 2, nil
}

// privilegeError turns an access-denied error into one naming the GRANT to run.
func (s *CheckpointStore) privilegeError(ctx context.Context, err error) error {
	account, denied := deniedAccount(ctx, s.db, err)
	if !denied {
		return fmt.Errorf("ensure checkpoint table: %w", err)
	}
	return fmt.Errorf("ensure checkpoint table: the standby user may not create or read the %s schema; "+
		"as an administrator run: GRANT CREATE, ALTER, SELECT, INSERT, UPDATE ON `%s`.* TO %s; "+
		"(or create the tables yourself and grant SELECT, INSERT, UPDATE): %w",
		checkpointSchema, checkpointSchema, account, err)
}

// deniedAccount reports whether err is an access-denied error (database, table,
// column or global) and, when it is, the account to grant to, quoted as a GRANT
// wants it ('user'@'host' as CURRENT_USER() names it, or a placeholder).
func deniedAccount(ctx context.Context, db *sql.DB, err error) (string, bool) {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return "", false
	}
	switch me.Number {
	case 1044, 1045, 1142, 1143, 1227:
	default:
		return "", false
	}
	var current string
	if qerr := db.QueryRowContext(ctx, "SELECT CURRENT_USER()").Scan(&current); qerr == nil && current != "" {
		return quoteAccount(current), true
	}
	return "'<user>'@'<host>'", true
}

// quoteAccount turns CURRENT_USER()'s user@host into 'user'@'host'.
func quoteAccount(userHost string) string {
	for i := len(userHost) - 1; i >= 0; i-- {
		if userHost[i] == '@' {
			return "'" + userHost[:i] + "'@'" + userHost[i+1:] + "'"
		}
	}
	return "'" + userHost + "'"
}
