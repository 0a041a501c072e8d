package binlog

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// hbStream is a stream id of this test alone: the tests share the primary and
// its pilotlight.heartbeat table.
func hbStream() string {
	return fmt.Sprintf("hb-test.%08x", rand.Uint32())
}

// hbPrimary opens the shared primary with the given session time zone.
func hbPrimary(t *testing.T, zone string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(testenv.MariaDBPrimary(t).DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params = map[string]string{"time_zone": "'" + zone + "'"}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func hbWriter(t *testing.T, db *sql.DB, stream string, every time.Duration) *HeartbeatWriter {
	t.Helper()
	logger, _ := newCapturedLogger()
	w, err := NewHeartbeatWriter(db, stream, every, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = db.ExecContext(context.Background(), "DELETE FROM "+w.table()+" WHERE stream_id = ?", stream)
	})
	return w
}

// serverUTC is the primary's UTC clock, at microseconds.
func serverUTC(t *testing.T, ctx context.Context, db *sql.DB) time.Time {
	t.Helper()
	var s string
	if err := db.QueryRowContext(ctx, "SELECT UTC_TIMESTAMP(6)").Scan(&s); err != nil {
		t.Fatal(err)
	}
	ts, err := time.ParseInLocation(time.DateTime, s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestHeartbeatStreamed writes heartbeats through a session in +05:30 and reads
// them back from the real binlog: the first write is an insert, the second an
// update, and HeartbeatFromRows gives exactly the ts stored in the table, in UTC,
// with or without column names in the table map.
func TestHeartbeatStreamed(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	srcDB, conn, _ := stSource(t, ctx)
	db := hbPrimary(t, "+05:30")
	stream := hbStream()
	w := hbWriter(t, db, stream, time.Second)
	if err := w.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Ensure(ctx); err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	s := stOpen(t, ctx, stPosition(t, ctx, srcDB))
	before := serverUTC(t, ctx, db)
	for range 2 {
		if err := w.write(ctx); err != nil {
			t.Fatal(err)
		}
	}
	after := serverUTC(t, ctx, db)
	var stored string
	if err := db.QueryRowContext(ctx, "SELECT DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f') FROM "+w.table()+
		" WHERE stream_id = ?", stream).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	pfExec(t, ctx, conn, "CREATE TABLE hb_marker (id INT PRIMARY KEY)")
	txns := stCollect(t, ctx, s, stLastGTID(t, ctx, conn))

	var mine []Rows
	for _, x := range txns {
		for _, e := range x.body {
			if r, ok := e.(Rows); ok && r.Schema == "pilotlight" && r.Table == "heartbeat" {
				if id, _ := textValue(r.Rows[len(r.Rows)-1][0]); id == stream {
					mine = append(mine, r)
				}
			}
		}
	}
	if len(mine) != 2 || mine[0].Kind != Insert || mine[1].Kind != Update {
		t.Fatalf("heartbeat rows events of %s: %+v, want an insert then an update", stream, mine)
	}
	var got []time.Time
	for _, r := range mine {
		id, ts, ok := HeartbeatFromRows(r)
		if !ok || id != stream {
			t.Fatalf("HeartbeatFromRows(%s %v) = %q, %v, %v", r.Kind, r.Rows, id, ts, ok)
		}
		if ts.Location() != time.UTC || ts.Before(before) || ts.After(after) {
			t.Errorf("heartbeat ts %v is not within the primary's UTC clock [%v, %v]", ts, before, after)
		}
		got = append(got, ts)
	}
	if got[1].Before(got[0]) {
		t.Errorf("second heartbeat %v before the first %v", got[1], got[0])
	}
	if want := got[1].Format("2006-01-02 15:04:05.000000"); want != stored {
		t.Errorf("last heartbeat decoded as %s, the table holds %s", want, stored)
	}
	t.Logf("decoded %s: %T %#v -> %v", mine[1].Kind, mine[1].Rows[1][1], mine[1].Rows[1][1], got[1])

	// Without binlog_row_metadata=FULL the table map has no names: same result.
	bare := mine[1]
	bare.Columns = append([]ColumnMeta(nil), bare.Columns...)
	for i := range bare.Columns {
		bare.Columns[i].Name = ""
	}
	if id, ts, ok := HeartbeatFromRows(bare); !ok || id != stream || !ts.Equal(got[1]) {
		t.Errorf("without column names: %q, %v, %v", id, ts, ok)
	}
	hbRejects(t, mine[1])
}

// hbRejects checks that variations of a real heartbeat event are not heartbeats.
func hbRejects(t *testing.T, real Rows) {
	t.Helper()
	cases := map[string]func(r *Rows){
		"delete":          func(r *Rows) { r.Kind = Delete },
		"other table":     func(r *Rows) { r.Table = "checkpoint" },
		"other schema":    func(r *Rows) { r.Schema = "shop" },
		"before image":    func(r *Rows) { r.Rows = r.Rows[:1] },
		"ts not a time":   func(r *Rows) { r.Columns[1].Type = r.Columns[2].Type },
		"renamed columns": func(r *Rows) { r.Columns[0].Name = "id" },
		"zero date":       func(r *Rows) { r.Rows[1][1] = "0000-00-00 00:00:00.000000" },
		"no columns":      func(r *Rows) { r.Columns = nil },
	}
	for name, mutate := range cases {
		r := real
		r.Columns = append([]ColumnMeta(nil), real.Columns...)
		r.Rows = [][]any{append([]any(nil), real.Rows[0]...), append([]any(nil), real.Rows[1]...)}
		mutate(&r)
		if id, ts, ok := HeartbeatFromRows(r); ok {
			t.Errorf("%s: HeartbeatFromRows = %q, %v, true; want not a heartbeat", name, id, ts)
		}
	}
}

// TestHeartbeatEnsureLogsDDLUnderItsSchema: on a fresh schema Ensure creates the
// table, and both statements reach the binlog under that schema (which is how the
// applier knows to skip the pilotlight schema's DDL); a second Ensure logs nothing.
func TestHeartbeatEnsureLogsDDLUnderItsSchema(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	srcDB, conn, _ := stSource(t, ctx)
	w := hbWriter(t, srcDB, hbStream(), time.Second)
	w.schema = fmt.Sprintf("hb_ddl_%08x", rand.Uint32())
	t.Cleanup(func() { srcDB.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+w.schema+"`") })
	s := stOpen(t, ctx, stPosition(t, ctx, srcDB))
	if err := w.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Ensure(ctx); err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	pfExec(t, ctx, conn, "CREATE TABLE hb_marker (id INT PRIMARY KEY)")
	var ddl []Query
	for _, x := range stCollect(t, ctx, s, stLastGTID(t, ctx, conn)) {
		for _, e := range x.body {
			if q, ok := e.(Query); ok && (q.Schema == w.schema || strings.Contains(q.SQL, w.schema)) {
				ddl = append(ddl, q)
			}
		}
	}
	if len(ddl) != 2 {
		t.Fatalf("Ensure twice logged %d statements, want CREATE DATABASE and CREATE TABLE once: %+v", len(ddl), ddl)
	}
	for _, q := range ddl {
		if q.Schema != w.schema {
			t.Errorf("%q is logged under schema %q, want %q", q.SQL, q.Schema, w.schema)
		}
	}
}

func TestHeartbeatEnsureWithoutPrivilege(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	srv := testenv.MariaDBPrimary(t)
	if srv.Password != "" {
		t.Skip("root has a password; DSN rewriting assumes none")
	}
	root, _ := pfOpen(t, ctx, srv.DSN(""))
	user := fmt.Sprintf("pl_nohb_%x", rand.Uint32())
	pfExec(t, ctx, root, "CREATE USER '"+user+"'@'%' IDENTIFIED BY 'pw-nohb'")
	t.Cleanup(func() { _, _ = root.ExecContext(context.Background(), "DROP USER '"+user+"'@'%'") })
	db, _ := pfOpen(t, ctx, strings.Replace(srv.DSN(""), srv.User+"@", user+":pw-nohb@", 1))
	w, err := NewHeartbeatWriter(db, hbStream(), time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = w.Ensure(ctx)
	want := "GRANT CREATE, INSERT, UPDATE ON `pilotlight`.* TO '" + user + "'@'%'"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "pw-nohb") {
		t.Fatalf("Ensure without privilege: %v; want an error naming %q", err, want)
	}
	t.Logf("Ensure without privilege: %v", err)
}
