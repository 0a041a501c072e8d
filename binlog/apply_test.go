package binlog

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

var apFidelityDDL = []string{
	"CREATE TABLE f (id INT PRIMARY KEY, u64 BIGINT UNSIGNED, d DECIMAL(30,10), b8 BINARY(8), " +
		"vb VARBINARY(16), bit10 BIT(10), e ENUM('x','y','z'), st SET('p','q','r'), dt6 DATETIME(6), " +
		"ts6 TIMESTAMP(6) NULL DEFAULT NULL, dt DATE, fl FLOAT, dbl DOUBLE, " +
		"txt VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, js JSON, bl BLOB, " +
		"l1 VARCHAR(16) CHARACTER SET latin1, i8 TINYINT, u8 TINYINT UNSIGNED, m24 MEDIUMINT UNSIGNED, " +
		"g BIGINT AS (id * 2) STORED)",
	"CREATE TABLE np (a INT, b VARCHAR(10), c BLOB)",
	"CREATE TABLE uq (id INT PRIMARY KEY, u INT NOT NULL, UNIQUE KEY (u))",
	"CREATE TABLE bk (k BINARY(8) PRIMARY KEY, v INT)",                          // trailing zero bytes in a key
	"CREATE TABLE nb (b BINARY(4), f FLOAT, t VARCHAR(8) CHARACTER SET latin1)", // matched by value
}

func apFidelityWrites(t *testing.T, env *apEnv) string {
	ctx := t.Context()
	pfExec(t, ctx, env.conn,
		"SET time_zone = '+05:30'", // TIMESTAMP must still land as the same instant
		"INSERT INTO f (id, u64, d, b8, vb, bit10, e, st, dt6, ts6, dt, fl, dbl, txt, js, bl, l1, i8, u8, m24) VALUES "+
			"(1, 18446744073709551615, '-12345678901234567890.0123456789', X'6162000000000000', X'00610000', "+
			"b'1000000001', 'z', 'p,r', '2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.000001', '2024-02-29', "+
			"0.1, 0.1, 'héllo 😀 wörld', '{\"a\": 1.0, \"b\": [1, \"x\"], \"c\": null}', X'00FF0000', "+
			"X'E9E8FF', -128, 255, 16777215)",
		"INSERT INTO f (id) VALUES (2)",
		"INSERT INTO f (id, u64, d, b8, fl, dbl, bit10, e, st) VALUES "+
			"(3, 0, '0.0000000001', X'0000000000000000', 3.4028234e38, -2.2250738585072014e-308, b'0', 'x', '')",
		"UPDATE f SET txt = 'ça va 👍', b8 = X'FF00', fl = 1.17549435e-38 WHERE id = 1",
		"DELETE FROM f WHERE id = 2",
		"INSERT INTO np VALUES (1, 'x', X'00'), (1, 'x', X'00'), (2, NULL, NULL)",
		"DELETE FROM np WHERE a = 1 LIMIT 1",
		"UPDATE np SET c = X'0000' WHERE a = 2",
		"INSERT INTO uq VALUES (1, 1), (2, 2)",
		"BEGIN", "UPDATE uq SET u = 3 WHERE id = 1", "UPDATE uq SET u = 1 WHERE id = 2",
		"UPDATE uq SET u = 2 WHERE id = 1", "UPDATE uq SET id = 10 WHERE id = 2", "COMMIT",
		"INSERT INTO bk VALUES (X'6162000000000000', 1), (X'6100000000000000', 2)",
		"UPDATE bk SET v = 3 WHERE k = X'6162000000000000'",
		"DELETE FROM bk WHERE k = X'6100000000000000'",
		"INSERT INTO nb VALUES (X'61000000', 0.1, X'E9'), (X'61000000', 0.1, X'E9'), (X'62000000', 0.3, 'x')",
		"UPDATE nb SET f = 0.2 WHERE f = 0.3",
		"DELETE FROM nb WHERE b = X'61000000' LIMIT 1",
		"CREATE TABLE later (id INT PRIMARY KEY, v VARCHAR(5))",
		"INSERT INTO later VALUES (1, 'a'), (2, 'b')",
		"UPDATE later SET v = 'b' WHERE id = 2 OR id = 1",
	)
	return stLastGTID(t, ctx, env.conn)
}

// TestApplyFidelity applies every awkward type, with the three kinds of row
// metadata a source may log: FULL (column names), MINIMAL (signedness, charsets)
// and NO_LOG (MariaDB's default: nothing but types; signedness then comes from the
// standby's columns).
func TestApplyFidelity(t *testing.T) {
	t.Parallel()
	for _, meta := range []string{"FULL", "MINIMAL", "NO_LOG"} {
		t.Run(meta, func(t *testing.T) {
			t.Parallel()
			ctx := pfCtx(t)
			var env *apEnv
			if meta == "FULL" {
				env = apSetup(t, ctx, apFidelityDDL...)
			} else {
				env = apSetupPrivate(t, ctx, meta, apFidelityDDL...)
			}
			testApplyFidelity(t, ctx, env)
		})
	}
}

func testApplyFidelity(t *testing.T, ctx context.Context, env *apEnv) {
	start := stPosition(t, ctx, env.pdb)
	if err := env.store.Init(ctx, start, 7); err != nil {
		t.Fatal(err)
	}
	last := apFidelityWrites(t, env)

	a, err := NewApplier(ctx, env.sdb, env.store, 7, apConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	apRun(t, ctx, a, env.events(t, ctx, start), last)
	env.compare(t, ctx, "f", "np", "uq", "bk", "nb", "later")

	cp, ok, err := env.store.Load(ctx)
	if err != nil || !ok {
		t.Fatalf("Load: %v %v", ok, err)
	}
	want := mustGTIDs(t, "mariadb", last)
	if stLast0(cp.GTIDs) != stSeq(t, last) || !cp.GTIDs.Contains(want) || !a.Applied().Equal(cp.GTIDs) {
		t.Errorf("checkpoint %s, applier %s, want domain 0 at %s", cp.GTIDs, a.Applied(), last)
	}
	if cp.SourceCommit.IsZero() {
		t.Error("checkpoint has no source commit time")
	}

	// A restart from the older start applies nothing twice: every transaction is in
	// the checkpoint and is skipped whole (the INSERTs would fail on their keys).
	replay := apConfig
	replay.SkipApplied = true
	b, err := NewApplier(ctx, env.sdb, env.store, 7, replay)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	apRun(t, ctx, b, env.events(t, ctx, start), last)
	// Without SkipApplied, a transaction the checkpoint holds arriving again means
	// the primary's history went back: applying stops instead of skipping it.
	c, err := NewApplier(ctx, env.sdb, env.store, 7, apConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Apply(ctx, &untilSource{src: env.events(t, ctx, start), last: last}); !errors.Is(err, ErrHistoryRewound) {
		t.Errorf("a replay without SkipApplied: %v, want ErrHistoryRewound", err)
	}
	env.compare(t, ctx, "f", "np", "uq", "bk", "nb", "later")
	var n int
	if err := env.sdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+env.schema+".np").Scan(&n); err != nil || n != 2 {
		t.Errorf("np holds %d rows (%v), want 2", n, err)
	}
	cp2, _, err := env.store.Load(ctx)
	if err != nil || !cp2.GTIDs.Equal(cp.GTIDs) {
		t.Errorf("checkpoint after the replay %s (%v), want %s", cp2.GTIDs, err, cp.GTIDs)
	}
}

// TestApplyStops: a standby that lost a row, and a stale fencing token, both stop the
// applier with the transaction rolled back and the checkpoint where it was.
func TestApplyStops(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := apSetup(t, ctx, "CREATE TABLE t (id INT PRIMARY KEY, v INT)")
	pfExec(t, ctx, env.conn, "INSERT INTO t VALUES (1, 1), (2, 2)")
	pfExec(t, ctx, env.sdb, "INSERT INTO "+env.schema+".t VALUES (1, 1)") // row 2 is missing
	start := stPosition(t, ctx, env.pdb)
	if err := env.store.Init(ctx, start, 7); err != nil {
		t.Fatal(err)
	}
	pfExec(t, ctx, env.conn, "BEGIN", "UPDATE t SET v = 10 WHERE id = 1", "UPDATE t SET v = 20 WHERE id = 2", "COMMIT")
	last := stLastGTID(t, ctx, env.conn)

	a, err := NewApplier(ctx, env.sdb, env.store, 7, apConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	err = a.Apply(ctx, &untilSource{src: apFilter{stOpen(t, ctx, start), env.schema}, last: last})
	if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), last) || !strings.Contains(err.Error(), ".t") {
		t.Fatalf("Apply on a diverged standby: %v, want ErrDiverged naming %s and the table", err, last)
	}
	var v int
	if err := env.sdb.QueryRowContext(ctx, "SELECT v FROM "+env.schema+".t WHERE id = 1").Scan(&v); err != nil || v != 1 {
		t.Errorf("row 1 holds %d (%v): the failed transaction was not rolled back", v, err)
	}
	// Other tests write to the shared primary, so transactions before last may have
	// been applied (as empty ones); last itself must not be in the checkpoint.
	lastSet, err := mysqlx.Parse(mysqlx.MariaDB, last)
	if err != nil {
		t.Fatal(err)
	}
	stopped, _, err := env.store.Load(ctx)
	if err != nil || stopped.GTIDs.Contains(lastSet) {
		t.Fatalf("checkpoint after ErrDiverged %s (%v) holds the failed transaction %s", stopped.GTIDs, err, last)
	}

	// The standby is repaired, but this applier's token is stale.
	pfExec(t, ctx, env.sdb, "INSERT INTO "+env.schema+".t VALUES (2, 2)")
	if err := env.store.Claim(ctx, 8); err != nil {
		t.Fatal(err)
	}
	stale, err := NewApplier(ctx, env.sdb, env.store, 7, apConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer stale.Close()
	if err := stale.Apply(ctx, &untilSource{src: apFilter{stOpen(t, ctx, start), env.schema}, last: last}); !errors.Is(err, ErrFenced) {
		t.Fatalf("Apply with a stale token: %v, want ErrFenced", err)
	}
	cp, _, err := env.store.Load(ctx)
	if err != nil || !cp.GTIDs.Equal(stopped.GTIDs) {
		t.Errorf("checkpoint %s (%v) after a fenced apply, want it unchanged at %s", cp.GTIDs, err, stopped.GTIDs)
	}

	fresh, err := NewApplier(ctx, env.sdb, env.store, 8, apConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	apRun(t, ctx, fresh, apFilter{stOpen(t, ctx, start), env.schema}, last)
	env.compare(t, ctx, "t")
}
