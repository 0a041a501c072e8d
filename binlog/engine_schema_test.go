package binlog

import (
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// TestApplyMinimalRowMetadataAcrossDDL: with binlog_row_metadata=MINIMAL (MariaDB's
// default) the binlog has no column names, so rows are matched to the standby's
// columns by position. Columns are added in the middle, dropped and reordered while
// rows keep flowing: every row event must be decoded with the table as it was when
// it was written, which holds because DDL is applied in source order, alone, after
// every earlier transaction committed and before any later one is planned.
func TestApplyMinimalRowMetadataAcrossDDL(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	primary := testenv.NewMariaDB(t, testenv.WithArgs("--binlog-row-metadata=MINIMAL"))
	standby := testenv.NewMariaDB(t)
	pdb, _ := pfOpen(t, ctx, primary.DSN(""))
	var meta string
	if err := pdb.QueryRowContext(ctx, "SELECT @@binlog_row_metadata").Scan(&meta); err != nil || meta != "MINIMAL" {
		t.Fatalf("binlog_row_metadata = %q (%v), want MINIMAL", meta, err)
	}
	ddl := []string{"CREATE DATABASE m", "CREATE TABLE m.t (id INT PRIMARY KEY, a VARCHAR(10), b INT)"}
	pfExec(t, ctx, pdb, ddl...)
	sdb := apApplierDB(t, standby.DSN(""))
	pfExec(t, ctx, sdb, ddl...)
	store := cpStore(t, sdb, mysqlx.MariaDB)
	start := stPosition(t, ctx, pdb)
	if err := store.Init(ctx, start, 1); err != nil {
		t.Fatal(err)
	}

	pfExec(t, ctx, pdb,
		"INSERT INTO m.t VALUES (1, 'one', 10), (2, 'two', 20)",
		"ALTER TABLE m.t ADD COLUMN mid DATETIME(6) NULL AFTER id",
		"INSERT INTO m.t VALUES (3, '2024-01-02 03:04:05.000006', 'three', 30)",
		"UPDATE m.t SET a = 'uno', mid = '2000-01-01' WHERE id = 1",
		"ALTER TABLE m.t DROP COLUMN b",
		"UPDATE m.t SET a = CONCAT(a, '!')",
		"ALTER TABLE m.t MODIFY COLUMN a VARCHAR(10) FIRST",
		"INSERT INTO m.t VALUES ('four', 4, NULL)",
		"DELETE FROM m.t WHERE id = 2",
		"CREATE TABLE m.u (x INT PRIMARY KEY, y BLOB)",
		"INSERT INTO m.u VALUES (1, X'00FF'), (2, NULL)")
	var last string
	if err := pdb.QueryRowContext(ctx, "SELECT @@gtid_binlog_pos").Scan(&last); err != nil {
		t.Fatal(err)
	}
	ep, err := mysqlx.ParseURL(primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	st, err := OpenStream(ctx, StreamConfig{Source: ep, Flavor: mysqlx.MariaDB, ServerID: 4242, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a, err := NewApplier(ctx, sdb, store, 1, apConfig)
	if err != nil {
		t.Fatal(err)
	}
	apRun(t, ctx, a, st, last)
	for _, table := range []string{"t", "u"} {
		p, s := apChecksum(t, ctx, pdb, "m", table), apChecksum(t, ctx, sdb, "m", table)
		if p != s || p == "" {
			t.Errorf("CHECKSUM TABLE m.%s: primary %s, standby %s\nprimary:\n%s\nstandby:\n%s", table, p, s,
				apDump(t, ctx, pdb, "m", table), apDump(t, ctx, sdb, "m", table))
		}
	}
	var cols string
	if err := sdb.QueryRowContext(ctx, "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM "+
		"information_schema.COLUMNS WHERE TABLE_SCHEMA = 'm' AND TABLE_NAME = 't'").Scan(&cols); err != nil ||
		!strings.EqualFold(cols, "a,id,mid") {
		t.Errorf("standby columns of m.t: %q (%v), want a,id,mid", cols, err)
	}
}
