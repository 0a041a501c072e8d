package binlog

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// checkSameHistory asks a MariaDB primary whether the point of its binlog where
// the standby's last applied transaction ended still holds the GTID state the
// checkpoint names. After a RESET MASTER, or on a primary restored from a backup,
// the same GTIDs can name other transactions, and when their numbers line up with
// the checkpoint's nothing else would tell (native replication cannot tell
// either): the binlog file and position can. A file that is gone (purged) cannot
// be checked; CheckStartAvailable covers that case. MySQL has no
// BINLOG_GTID_POS: nothing is checked there.
func checkSameHistory(ctx context.Context, db *sql.DB, srv mysqlx.Server, cp Checkpoint) error {
	if srv.Flavor != mysqlx.MariaDB || cp.SourceFile == "" {
		return nil
	}
	var state sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT BINLOG_GTID_POS(?, ?)", cp.SourceFile, cp.SourcePos).Scan(&state); err != nil {
		return fmt.Errorf("read the primary's GTID position at %s:%d: %w", cp.SourceFile, cp.SourcePos, err)
	}
	where := fmt.Sprintf("%s:%d", cp.SourceFile, cp.SourcePos)
	if state.Valid {
		g, err := mysqlx.Parse(mysqlx.MariaDB, state.String)
		if err != nil || g.Equal(cp.GTIDs) {
			return nil
		}
		return historyRewound(fmt.Sprintf("the primary's binlog at %s, where the last applied transaction ended, "+
			"now says %s", where, orEmptySet(g)), cp.GTIDs)
	}
	size, listed, err := binlogSize(ctx, db, cp.SourceFile)
	if err != nil || !listed {
		return err // purged (or unknown): nothing to compare
	}
	return historyRewound(fmt.Sprintf("the primary's binlog %s (%d bytes) has no transaction ending at %d, where the "+
		"last applied one ended", cp.SourceFile, size, cp.SourcePos), cp.GTIDs)
}

// binlogSize is the size of one of the primary's binlog files, and whether SHOW
// BINARY LOGS lists it.
func binlogSize(ctx context.Context, db *sql.DB, file string) (int64, bool, error) {
	rows, err := db.QueryContext(ctx, "SHOW BINARY LOGS")
	if err != nil {
		return 0, false, fmt.Errorf("show binary logs: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, false, fmt.Errorf("show binary logs: %w", err)
	}
	for rows.Next() {
		dest := make([]any, len(cols))
		var name string
		var size int64
		dest[0], dest[1] = &name, &size
		for i := 2; i < len(dest); i++ {
			dest[i] = new(sql.RawBytes)
		}
		if err := rows.Scan(dest...); err != nil {
			return 0, false, fmt.Errorf("show binary logs: %w", err)
		}
		if name == file {
			return size, true, nil
		}
	}
	return 0, false, rows.Err()
}
