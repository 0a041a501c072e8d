package restore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/file"
	"github.com/pilotlight-dr/pilotlight/snapshot"
	"github.com/pilotlight-dr/pilotlight/snapshot/snapshottest"
)

// appHistory is a small application's schema and rows: awkward types, odd
// names, a table without a key, a composite key, a trigger writing another
// table, a view, a procedure, a function and an event.
var appHistory = []string{
	"CREATE DATABASE app CHARACTER SET utf8mb4",
	"CREATE DATABASE `odd db`",
	"CREATE TABLE app.orders (id INT PRIMARY KEY AUTO_INCREMENT, customer VARCHAR(40), total DECIMAL(12,2), " +
		"placed DATETIME(6), note TEXT, data JSON, flags BIT(5), raw VARBINARY(16), KEY by_customer (customer), " +
		"INDEX by_total (total, placed)) ENGINE=InnoDB",
	"CREATE TABLE app.audit (id INT PRIMARY KEY AUTO_INCREMENT, order_id INT, what VARCHAR(20))",
	"CREATE TABLE app.nokey (a INT, b VARCHAR(10))",
	"CREATE TABLE app.pairs (x INT, y VARCHAR(8), v DOUBLE, PRIMARY KEY (x, y))",
	"CREATE TABLE `odd db`.`ta;ble` (`co'l` INT PRIMARY KEY, `c``2` VARCHAR(5))",
	"CREATE TRIGGER app.orders_ai AFTER INSERT ON app.orders FOR EACH ROW INSERT INTO app.audit (order_id, what) VALUES (NEW.id, 'insert')",
	"CREATE VIEW app.big_orders AS SELECT id, total FROM app.orders WHERE total > 100",
	"CREATE PROCEDURE app.touch(IN n INT) BEGIN UPDATE app.orders SET note = CONCAT(note, ';') WHERE id = n; END",
	"CREATE FUNCTION app.twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
	"CREATE EVENT app.nightly ON SCHEDULE EVERY 1 DAY DO DELETE FROM app.audit WHERE id < 0",
	"INSERT INTO `odd db`.`ta;ble` VALUES (1, 'a;b'), (2, 'it''s')",
	"INSERT INTO app.nokey VALUES (1, 'x'), (1, 'x'), (NULL, NULL)",
	"INSERT INTO app.pairs VALUES (1, 'a', 0.1), (1, 'b', -0.0), (2, 'a', 1e300)",
	// Text in other character sets and a TIMESTAMP: verify must read them as the snapshot did.
	"CREATE TABLE app.names (id INT PRIMARY KEY, l VARCHAR(20) CHARACTER SET latin1, u VARCHAR(20) CHARACTER SET utf8mb4, " +
		"ts TIMESTAMP(3) NULL)",
	"INSERT INTO app.names VALUES (1, 'über', 'ü😀', '2026-03-29 01:30:00.125'), (2, NULL, '', NULL)",
}

// orders writes n orders (each fires the trigger once on the source).
func orders(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	for i := 0; i < n; i += 500 {
		var vals []string
		for j := i; j < min(n, i+500); j++ {
			vals = append(vals, fmt.Sprintf("('c%d', %d.%02d, '2026-12-0%d 10:11:12.%06d', 'note; line\\n%d', "+
				"'{\"k\": %d}', b'1%04b', x'%08x')", j, j, j%100, 1+j%7, j, j, j, j%16, j))
		}
		mustExec(t, db, "INSERT INTO app.orders (customer, total, placed, note, data, flags, raw) VALUES "+strings.Join(vals, ","))
	}
}

func mustExec(t *testing.T, db *sql.DB, qs ...string) {
	t.Helper()
	for _, q := range qs {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%.100s: %v", q, err)
		}
	}
}

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fixture is a source with the application's history, a snapshot of it in
// a file sink cut into many chunks, and an empty target.
type fixture struct {
	src, dst *sql.DB
	sink     sinks.Sink
	m        *snapshot.Manifest
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	srcServer, dstServer := testenv.NewMariaDB(t), testenv.NewMariaDB(t)
	f := &fixture{src: open(t, srcServer.DSN("")), dst: open(t, dstServer.DSN(""))}
	mustExec(t, f.src, appHistory...)
	orders(t, f.src, 3000)
	mustExec(t, f.src, "ANALYZE TABLE app.orders, app.audit") // the chunk planner reads the statistics
	s, err := file.New(t.TempDir(), sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.sink = s
	f.m, err = snapshot.Take(ctx, f.src, snapshot.Options{Sink: s, Threads: 2, ChunkSize: 32 << 10, Tool: "test"})
	if err != nil {
		t.Fatal(err)
	}
	chunks := 0
	for _, sc := range f.m.Schemas {
		for _, tb := range sc.Tables {
			chunks += len(tb.Chunks)
		}
	}
	if chunks < 10 {
		t.Fatalf("the snapshot has %d chunks; the test wants many", chunks)
	}
	return f
}

// checksums is CHECKSUM TABLE of every table of the fixture's databases.
func checksums(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tb := range []string{"app.orders", "app.audit", "app.nokey", "app.pairs", "app.names", "`odd db`.`ta;ble`"} {
		var name string
		var sum sql.NullString
		if err := db.QueryRow("CHECKSUM TABLE "+tb).Scan(&name, &sum); err != nil {
			t.Fatalf("checksum %s: %v", tb, err)
		}
		out[tb] = sum.String
	}
	return out
}

func sameData(t *testing.T, f *fixture) {
	t.Helper()
	for _, tb := range []string{"app.orders", "app.pairs", "`odd db`.`ta;ble`"} {
		var n, p, r string
		if err := f.src.QueryRow("SHOW CREATE TABLE "+tb).Scan(&n, &p); err != nil {
			t.Fatal(err)
		}
		if err := f.dst.QueryRow("SHOW CREATE TABLE "+tb).Scan(&n, &r); err != nil {
			t.Fatal(err)
		}
		if p != r {
			t.Errorf("SHOW CREATE TABLE %s:\nsource   %s\nrestored %s", tb, p, r)
		}
	}
	p, s := checksums(t, f.src), checksums(t, f.dst)
	for tb, sum := range p {
		if s[tb] != sum || sum == "" {
			t.Errorf("%s: source %s, restored %s", tb, sum, s[tb])
		}
	}
}

func scalar(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	var v sql.NullString
	if err := db.QueryRow(q).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v.String
}

// TestRestore: a snapshot restored into an empty server equals the source,
// with its views, routines, triggers (not fired by the load) and events; a
// second run says it was done and verifies.
func TestRestore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	var progressed atomic.Int64
	rep, err := Run(ctx, f.sink, f.m, f.dst, Options{Threads: 3, Verify: true, DeferIndexes: true, Progress: func(rows, _ int64) { progressed.Add(rows) }})
	if err != nil {
		t.Fatal(err)
	}
	sameData(t, f)
	if rep.Rows != 3000+3000+3+3+2+2 || !rep.Verified || rep.Chunks < 10 || progressed.Load() != rep.Rows {
		t.Errorf("report %+v (progress %d rows)", rep, progressed.Load())
	}
	if got := scalar(t, f.dst, "SELECT COUNT(*) FROM app.audit"); got != "3000" {
		t.Errorf("audit rows %s, want 3000: the trigger fired during the load", got)
	}
	if got := scalar(t, f.dst, "SELECT app.twice(21)"); got != "42" {
		t.Errorf("function: %s", got)
	}
	again, err := Run(ctx, f.sink, f.m, f.dst, Options{Verify: true})
	if err != nil || !again.AlreadyDone || again.Rows != 0 || !again.Verified {
		t.Errorf("second run: %+v, %v; want already done, verified", again, err)
	}
	for _, c := range again.VerifyResults {
		if !c.Content {
			t.Errorf("%s.%s was not compared by content", c.Schema, c.Table)
		}
	}
	// A changed value, with every row count the same, is found and named.
	mustExec(t, f.dst, "UPDATE app.pairs SET v = 0.2 WHERE x = 1 AND y = 'a'")
	if _, err := Run(ctx, f.sink, f.m, f.dst, Options{Verify: true}); !errors.Is(err, ErrVerify) ||
		!strings.Contains(err.Error(), "app.pairs differs") || !strings.Contains(err.Error(), "app/pairs/") {
		t.Errorf("verify after a changed value: %v; want ErrVerify naming app.pairs and its chunk", err)
	}
	mustExec(t, f.dst, "UPDATE app.pairs SET v = 0.1 WHERE x = 1 AND y = 'a'")
	mustExec(t, f.dst, "INSERT INTO app.orders (customer) VALUES ('after')", "CALL app.touch(1)")
	if got := scalar(t, f.dst, "SELECT COUNT(*) FROM app.audit"); got != "3001" {
		t.Errorf("audit rows %s after an insert, want 3001: the trigger does not work after the restore", got)
	}
	if got := scalar(t, f.dst, "SELECT COUNT(*) FROM app.big_orders"); got == "" || got == "0" {
		t.Errorf("view: %s rows", got)
	}
	if got := scalar(t, f.dst, "SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'app'"); got != "1" {
		t.Errorf("events: %s", got)
	}

}

// TestRestoreResumes: a chunk that fails its SHA-256 stops the restore with
// the chunk named and nothing of it committed; the rerun after the sink is
// repaired loads only what is missing, and every table is equal.
func TestRestoreResumes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	var bad snapshot.Chunk
	for _, tb := range f.m.Schemas[0].Tables {
		if tb.Name == "orders" {
			bad = tb.Chunks[len(tb.Chunks)/2]
		}
	}
	key := snapshot.Dir(f.m.ID) + bad.Key
	var orig []byte
	snapshottest.Rewrite(t, f.sink, key, func(b []byte) []byte {
		orig = append([]byte(nil), b...)
		b[len(b)-1] ^= 0xff
		return b
	})
	_, err := Run(ctx, f.sink, f.m, f.dst, Options{Threads: 2, Verify: true, DeferIndexes: true})
	if err == nil || !strings.Contains(err.Error(), bad.Key) || !errors.Is(err, sinks.ErrCorrupt) {
		t.Fatalf("restore of a corrupt chunk: %v; want an error naming %s", err, bad.Key)
	}
	loaded := scalar(t, f.dst, "SELECT COUNT(*) FROM pilotlight.restore_chunk")
	if loaded == "0" {
		t.Logf("no chunk was loaded before the corrupt one stopped the restore")
	}
	if got := scalar(t, f.dst, fmt.Sprintf("SELECT COUNT(*) FROM app.orders WHERE id > %s AND id <= %s",
		orNull(bad.From), orNull(bad.To))); got != "0" {
		t.Errorf("%s rows of the corrupt chunk were committed", got)
	}
	snapshottest.Rewrite(t, f.sink, key, func([]byte) []byte { return orig })

	rep, err := Run(ctx, f.sink, f.m, f.dst, Options{Threads: 2, Verify: true, DeferIndexes: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ChunksBefore == 0 && loaded != "0" || rep.Chunks+rep.ChunksBefore < 10 {
		t.Errorf("rerun: %+v (chunks loaded by the first run: %s)", rep, loaded)
	}
	sameData(t, f)
}

func orNull(v []string) string {
	if len(v) == 0 {
		return "NULL"
	}
	return v[0]
}

// TestRestoreRefusesTargetWithDatabases: a target that has one of the
// snapshot's databases is refused before anything is written, naming it;
// --replace-databases drops and restores it.
func TestRestoreRefusesTargetWithDatabases(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	mustExec(t, f.dst, "CREATE DATABASE app", "CREATE TABLE app.mine (id INT PRIMARY KEY)", "INSERT INTO app.mine VALUES (7)")
	_, err := Run(ctx, f.sink, f.m, f.dst, Options{Verify: true})
	if !errors.Is(err, ErrTargetNotEmpty) || !strings.Contains(err.Error(), "app") || !strings.Contains(err.Error(), "--replace-databases") {
		t.Fatalf("restore into a target with app: %v", err)
	}
	if got := scalar(t, f.dst, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('odd db', 'pilotlight')"); got != "0" {
		t.Errorf("the refused restore wrote %s databases", got)
	}
	if got := scalar(t, f.dst, "SELECT id FROM app.mine"); got != "7" {
		t.Errorf("the target's own table changed: %s", got)
	}
	ctx2, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := Run(ctx2, f.sink, f.m, f.dst, Options{Verify: true, ReplaceDatabases: true}); err != nil {
		t.Fatal(err)
	}
	sameData(t, f)
}
