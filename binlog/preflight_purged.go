package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// ErrPurged means the primary no longer has binlogs holding transactions the stream
// still needs. It is fatal: skipping them would silently lose data.
var ErrPurged = errors.New("binlogs needed by the stream were purged from the primary")

// CheckStartAvailable checks that the primary srv still has every transaction after
// start in its binary logs, so that streaming from start misses nothing.
//
// MySQL: @@GLOBAL.gtid_purged must be contained in start.
// MariaDB: the GTID position at the start of the oldest binlog (BINLOG_GTID_POS of
// the first file of SHOW BINARY LOGS at offset 4) must not be ahead of start in any
// domain: the transactions between are in purged files.
//
// The error wraps ErrPurged and names the missing transactions and what to do.
func CheckStartAvailable(ctx context.Context, db *sql.DB, srv mysqlx.Server, start mysqlx.GTIDSet) error {
	var purged mysqlx.GTIDSet
	var err error
	switch srv.Flavor {
	case mysqlx.MySQL:
		purged, err = mysqlPurged(ctx, db)
	case mysqlx.MariaDB:
		purged, err = mariaDBOldestBinlogPos(ctx, db)
	default:
		return fmt.Errorf("check start position: unknown flavor %q", srv.Flavor)
	}
	if err != nil {
		return fmt.Errorf("check start position %s: %w", start, err)
	}
	return purgedProblem(purged, start)
}

// purgedProblem is the decision of CheckStartAvailable: purged holds every
// transaction the primary no longer has (MySQL gtid_purged; MariaDB the position at
// the start of its oldest binlog, meaning every transaction up to it); those that
// start lacks are lost to the stream.
func purgedProblem(purged, start mysqlx.GTIDSet) error {
	missing, err := purged.Subtract(start)
	if err != nil {
		return fmt.Errorf("check start position %s: %w", start, err)
	}
	if missing.IsEmpty() {
		return nil
	}
	var what string
	if ranges := missing.Ranges(); len(ranges) > 0 {
		parts := make([]string, len(ranges))
		for i, r := range ranges {
			parts[i] = fmt.Sprintf("domain %d seq %d-%d (%d transactions)", r.Domain, r.First, r.Last, r.Count())
		}
		what = strings.Join(parts, ", ")
	} else {
		what = fmt.Sprintf("%s (%d transactions)", missing, missing.Count())
	}
	return fmt.Errorf("%w: starting after %s needs %s, which the primary no longer has (its binlogs now begin after %s); "+
		"seed the standby from a snapshot, or restart from a GTID position the primary still has; "+
		"on RDS/Aurora keep binlogs longer with CALL mysql.rds_set_configuration('binlog retention hours', 24)",
		ErrPurged, orEmptySet(start), what, purged)
}

func orEmptySet(g mysqlx.GTIDSet) string {
	if g.IsEmpty() {
		return "the empty GTID set (the beginning)"
	}
	return g.String()
}

// mysqlPurged reads MySQL's @@GLOBAL.gtid_purged.
func mysqlPurged(ctx context.Context, db *sql.DB) (mysqlx.GTIDSet, error) {
	var s string
	if err := db.QueryRowContext(ctx, "SELECT @@GLOBAL.gtid_purged").Scan(&s); err != nil {
		return mysqlx.GTIDSet{}, fmt.Errorf("read gtid_purged: %w", err)
	}
	g, err := mysqlx.Parse(mysqlx.MySQL, s)
	if err != nil {
		return mysqlx.GTIDSet{}, fmt.Errorf("read gtid_purged: %w", err)
	}
	return g, nil
}

// mariaDBOldestBinlogPos is the GTID position at the start of MariaDB's oldest
// binary log: every transaction up to it is in purged files.
func mariaDBOldestBinlogPos(ctx context.Context, db *sql.DB) (mysqlx.GTIDSet, error) {
	oldest, err := oldestBinlog(ctx, db)
	if err != nil {
		return mysqlx.GTIDSet{}, err
	}
	var pos sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT BINLOG_GTID_POS(?, 4)", oldest).Scan(&pos); err != nil {
		return mysqlx.GTIDSet{}, fmt.Errorf("read GTID position of binlog %s: %w", oldest, err)
	}
	if !pos.Valid {
		return mysqlx.GTIDSet{}, fmt.Errorf("read GTID position of binlog %s: BINLOG_GTID_POS returned NULL", oldest)
	}
	g, err := mysqlx.Parse(mysqlx.MariaDB, pos.String)
	if err != nil {
		return mysqlx.GTIDSet{}, fmt.Errorf("read GTID position of binlog %s: %w", oldest, err)
	}
	return g, nil
}

// oldestBinlog is the first file SHOW BINARY LOGS lists.
func oldestBinlog(ctx context.Context, db *sql.DB) (string, error) {
	rows, err := db.QueryContext(ctx, "SHOW BINARY LOGS")
	if err != nil {
		return "", fmt.Errorf("show binary logs (needs BINLOG MONITOR or REPLICATION CLIENT): %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", fmt.Errorf("show binary logs: %w", err)
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return "", fmt.Errorf("show binary logs: %w", err)
		}
		return "", errors.New("show binary logs: the server lists no binary log (is log_bin on?)")
	}
	dest := make([]any, len(cols)) // Log_name, File_size and, on newer servers, more
	var name string
	dest[0] = &name
	for i := 1; i < len(dest); i++ {
		dest[i] = new(sql.RawBytes)
	}
	if err := rows.Scan(dest...); err != nil {
		return "", fmt.Errorf("show binary logs: %w", err)
	}
	return name, nil
}
