package snapshot

import (
	"strings"
	"testing"
)

var tkFidelityDDL = []string{
	"CREATE DATABASE fid CHARACTER SET utf8mb4",
	"CREATE TABLE fid.f (id INT PRIMARY KEY, u64 BIGINT UNSIGNED, d DECIMAL(30,10), b8 BINARY(8), " +
		"vb VARBINARY(16), bit10 BIT(10), e ENUM('x','y','z'), st SET('p','q','r'), dt6 DATETIME(6), " +
		"ts6 TIMESTAMP(6) NULL DEFAULT NULL, dt DATE, tm TIME(3), yr YEAR, fl FLOAT, dbl DOUBLE, " +
		"txt VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, js JSON, bl BLOB, " +
		"l1 VARCHAR(16) CHARACTER SET latin1, i8 TINYINT, u8 TINYINT UNSIGNED, m24 MEDIUMINT UNSIGNED, " +
		"g BIGINT AS (id * 2) STORED, gv VARCHAR(40) AS (CONCAT(txt, '!')) VIRTUAL, inv INT INVISIBLE DEFAULT 7)",
	"CREATE TABLE fid.np (a INT, b VARCHAR(10), c BLOB)",
	"CREATE TABLE fid.bk (k BINARY(8) PRIMARY KEY, v INT)",
	"CREATE TABLE fid.ck (a VARCHAR(8) CHARACTER SET latin1 COLLATE latin1_swedish_ci, b INT, v TEXT, PRIMARY KEY (a, b))",
	"CREATE TABLE fid.ai (id INT AUTO_INCREMENT PRIMARY KEY, v INT)",
	"CREATE TABLE fid.`we.ird name` (`sp ace` INT PRIMARY KEY, `back``tick` VARCHAR(4))",
	"SET time_zone = '+05:30'",
	"INSERT INTO fid.f (id, u64, d, b8, vb, bit10, e, st, dt6, ts6, dt, tm, yr, fl, dbl, txt, js, bl, l1, i8, u8, m24, inv) VALUES " +
		"(1, 18446744073709551615, '-12345678901234567890.0123456789', X'6162000000000000', X'00610000', " +
		"b'1000000001', 'z', 'p,r', '2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.000001', '2024-02-29', '-838:59:59.999', 2155, " +
		"0.1, 0.1, 'héllo 😀 wörld', '{\"a\": 1.0, \"b\": [1, \"x\"], \"c\": null}', X'00FF000D0A1A275C22', " +
		"X'E9E8FF', -128, 255, 16777215, 42)",
	"INSERT INTO fid.f (id) VALUES (2)",
	"INSERT INTO fid.f (id, u64, d, b8, fl, dbl, bit10, e, st, txt) VALUES " +
		"(3, 0, '0.0000000001', X'0000000000000000', 3.4028234e38, -2.2250738585072014e-308, b'0', 'x', '', 'it''s a \\\\ \\n'), " +
		"(4, 1, '1', X'01', 1.17549435e-38, 1.7976931348623157e308, b'1111111111', 'y', 'p,q,r', ''), " +
		"(5, 2, '2', X'02', 0.3, 0.30000000000000004, NULL, NULL, NULL, NULL), " +
		"(6, 3, '3', X'03', -1.5e-7, 123456789.123456789, NULL, NULL, NULL, NULL), " +
		"(7, 4, '-0.5', X'04', -0e0, -0e0, NULL, NULL, NULL, NULL)",
	"INSERT INTO fid.np VALUES (1, 'x', X'00'), (1, 'x', X'00'), (2, NULL, NULL), (NULL, '', '')",
	"INSERT INTO fid.bk VALUES (X'6162000000000000', 1), (X'6100000000000000', 2), (X'0000000000000000', 3)",
	"INSERT INTO fid.ck VALUES ('a', 1, 'x'), ('A', 2, 'y'), ('é', 1, 'z'), ('b', 0, REPEAT('w', 1000))",
	"SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
	"INSERT INTO fid.ai VALUES (0, 1), (5, 2)",
	"SET sql_mode = DEFAULT",
	"INSERT INTO fid.`we.ird name` VALUES (1, 'a`b'), (2, NULL)",
	"CREATE VIEW fid.v2 AS SELECT id, txt FROM fid.v1",
}

// TestTakeFidelity snapshots every awkward type, loads the snapshot with the
// stock client into a fresh server and compares CHECKSUM TABLE, table by table.
func TestTakeFidelity(t *testing.T) {
	ctx := t.Context()
	src, dst := tkNewServer(t), tkNewServer(t)
	ddl := append([]string{}, tkFidelityDDL[:len(tkFidelityDDL)-1]...)
	ddl = append(ddl, "CREATE VIEW fid.v1 AS SELECT id, txt FROM fid.f WHERE id < 4", tkFidelityDDL[len(tkFidelityDDL)-1],
		"CREATE TRIGGER fid.trg BEFORE INSERT ON fid.np FOR EACH ROW SET NEW.b = UPPER(NEW.b)",
		"CREATE PROCEDURE fid.p(IN x INT) BEGIN SELECT x; END",
		"CREATE FUNCTION fid.fn(x INT) RETURNS INT DETERMINISTIC RETURN x + 1",
		"CREATE EVENT fid.ev ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM fid.np WHERE a = 99")
	src.exec(t, ddl...)
	sink := tkFileSink(t)
	m, err := Take(ctx, src.db, Options{Sink: sink, Threads: 3, ChunkSize: 1, Tool: "pilotlight test"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Consistency != MethodLockFree || m.GTIDSet == "" || m.BinlogFile == "" {
		t.Errorf("manifest: consistency %q gtid %q binlog %s:%d; want the lock-free method with a position", m.Consistency, m.GTIDSet, m.BinlogFile, m.BinlogPos)
	}
	script := tkScript(t, ctx, sink, m)
	for _, bad := range []string{"DEFINER=", "GTID_PURGED", "SQL_LOG_BIN"} {
		if strings.Contains(string(script), bad) {
			t.Errorf("the snapshot's SQL contains %s", bad)
		}
	}
	dst.exec(t, "SET GLOBAL log_bin_trust_function_creators = 1")
	tkLoad(t, dst, script)
	tables := []string{"fid.f", "fid.np", "fid.bk", "fid.ck", "fid.ai", "fid.`we.ird name`"}
	if got, want := tkChecksums(t, dst.db, tables...), tkChecksums(t, src.db, tables...); got != want {
		t.Errorf("checksums differ:\n target %s\n source %s", got, want)
		for _, tb := range tables {
			if a, b := tkRows(t, dst.db, "SELECT * FROM "+tb), tkRows(t, src.db, "SELECT * FROM "+tb); a != b {
				t.Errorf("%s:\n target %s\n source %s", tb, a, b)
			}
		}
	}
	var inv int
	if err := dst.db.QueryRowContext(ctx, "SELECT inv FROM fid.f WHERE id = 1").Scan(&inv); err != nil || inv != 42 {
		t.Errorf("invisible column: %d, %v; want 42", inv, err)
	}
	for _, q := range []string{"SELECT COUNT(*) FROM fid.v2", "SELECT fid.fn(1)", "SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'fid'",
		"SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'fid'", "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'fid'"} {
		var a, b int
		if err := src.db.QueryRowContext(ctx, q).Scan(&a); err != nil {
			t.Fatal(err)
		}
		if err := dst.db.QueryRowContext(ctx, q).Scan(&b); err != nil || a != b {
			t.Errorf("%s: target %d (%v), source %d", q, b, err, a)
		}
	}
	var rows int64
	for _, s := range m.Schemas {
		for _, tb := range s.Tables {
			rows += tb.Rows
			if tb.Name == "ck" && len(tb.Chunks) < 2 {
				t.Errorf("table ck: %d chunks with a 1-byte chunk size; want it cut on its key", len(tb.Chunks))
			}
		}
	}
	if want := int64(7 + 4 + 3 + 4 + 2 + 2); rows != want || m.Rows() != want {
		t.Errorf("manifest rows %d (Rows() %d), want %d", rows, m.Rows(), want)
	}
}
