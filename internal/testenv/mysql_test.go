package testenv

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

func TestMariaDBPrimaryAndStandby(t *testing.T) {
	t.Parallel()
	primary, standby := MariaDBPrimary(t), MariaDBStandby(t)
	if primary.Port == standby.Port || primary.Port == 3306 || primary.DataDir == standby.DataDir {
		t.Fatalf("primary and standby are not separate instances: %+v %+v", primary, standby)
	}
	if want := "mysql://root@127.0.0.1:"; !strings.HasPrefix(primary.URL(), want) {
		t.Fatalf("URL %q, want prefix %q", primary.URL(), want)
	}
	if dsn := primary.DSN("x"); !strings.Contains(dsn, "multiStatements=true") || strings.Contains(dsn, "parseTime=true") ||
		!strings.Contains(dsn, "/x?") {
		t.Fatalf("DSN %q: want database x, multiStatements on, parseTime off", dsn)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	ids := map[int]bool{}
	for _, m := range []*MySQLServer{primary, standby} {
		db := openDB(t, m.DSN(""))
		var logBin int
		var format string
		var domain, serverID int
		err := db.QueryRowContext(ctx, "SELECT @@log_bin, @@binlog_format, @@gtid_domain_id, @@server_id").
			Scan(&logBin, &format, &domain, &serverID)
		if err != nil {
			t.Fatalf("%s: %v", m.URL(), err)
		}
		if logBin != 1 || format != "ROW" || domain != 0 || serverID != m.ServerID {
			t.Fatalf("%s: log_bin=%d binlog_format=%s gtid_domain_id=%d server_id=%d (want 1 ROW 0 %d)",
				m.URL(), logBin, format, domain, serverID, m.ServerID)
		}
		var image, slaveUpdates string
		if err := db.QueryRowContext(ctx, "SELECT @@binlog_row_image, @@log_slave_updates").Scan(&image, &slaveUpdates); err != nil ||
			image != "FULL" || slaveUpdates != "1" {
			t.Fatalf("%s: binlog_row_image=%s log_slave_updates=%s, %v", m.URL(), image, slaveUpdates, err)
		}
		ids[serverID] = true
	}
	if len(ids) != 2 {
		t.Fatalf("primary and standby share server_id %v", ids)
	}

	// A write on the primary advances its GTID position, and only the primary's.
	db := openDB(t, primary.DSN(""))
	before := gtidPos(ctx, t, db)
	name := uniqueName(t)
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"`; CREATE TABLE `"+name+"`.t (id INT PRIMARY KEY, v JSON); INSERT INTO `"+name+"`.t VALUES (1, '{\"a\":1}')"); err != nil {
		t.Fatalf("write: %v", err)
	}
	after := gtidPos(ctx, t, db)
	if after == before || !strings.HasPrefix(after, "0-1-") {
		t.Fatalf("gtid_binlog_pos %q -> %q, want a new 0-1-N position", before, after)
	}
	if standbyPos := gtidPos(ctx, t, openDB(t, standby.DSN(""))); strings.Contains(standbyPos, "0-1-") {
		t.Fatalf("standby has the primary's GTIDs %q: not independent", standbyPos)
	}
	// DSN names the database.
	var n int
	if err := openDB(t, primary.DSN(name)).QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("count via DSN(%q): %d, %v", name, n, err)
	}
}

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func gtidPos(ctx context.Context, t *testing.T, db *sql.DB) string {
	t.Helper()
	var pos string
	if err := db.QueryRowContext(ctx, "SELECT @@gtid_binlog_pos").Scan(&pos); err != nil {
		t.Fatalf("gtid_binlog_pos: %v", err)
	}
	return pos
}
