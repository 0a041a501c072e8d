package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// stSource opens the shared primary with binlog_row_metadata=FULL (harmless for other
// tests: it only adds column names to the binlog) and one session in a fresh database.
func stSource(t *testing.T, ctx context.Context) (db *sql.DB, conn *sql.Conn, schema string) {
	t.Helper()
	db, _ = pfOpen(t, ctx, testenv.MariaDBPrimary(t).DSN(""))
	pfExec(t, ctx, db, "SET GLOBAL binlog_row_metadata='FULL'")
	schema = fmt.Sprintf("st_%d", time.Now().UnixNano()%1e12)
	pfExec(t, ctx, db, "CREATE DATABASE "+schema)
	t.Cleanup(func() { db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+schema) })
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	pfExec(t, ctx, conn, "USE "+schema)
	return db, conn, schema
}

func stPosition(t *testing.T, ctx context.Context, db *sql.DB) mysqlx.GTIDSet {
	t.Helper()
	executed, _, err := mysqlx.ReadGTIDs(ctx, db, mysqlx.MariaDB)
	if err != nil {
		t.Fatal(err)
	}
	return executed
}

// stLastGTID is the GTID of the session's last transaction (MariaDB @@last_gtid):
// exact even while other tests write to the same server.
func stLastGTID(t *testing.T, ctx context.Context, conn *sql.Conn) string {
	t.Helper()
	var g string
	if err := conn.QueryRowContext(ctx, "SELECT @@last_gtid").Scan(&g); err != nil {
		t.Fatal(err)
	}
	return g
}

func stOpen(t *testing.T, ctx context.Context, start mysqlx.GTIDSet) *Stream {
	t.Helper()
	ep, err := mysqlx.ParseURL(testenv.MariaDBPrimary(t).URL())
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := OpenStream(ctx, StreamConfig{Source: ep, Flavor: mysqlx.MariaDB, Logger: logger,
		ServerID: DefaultServerID(t.Name()), Start: start, HeartbeatPeriod: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// stTxn is one streamed transaction: its Begin, body and Commit.
type stTxn struct {
	begin  Begin
	body   []Event
	commit Commit
}

// touches reports whether the transaction changed schema.
func (x stTxn) touches(schema string) bool {
	for _, e := range x.body {
		switch e := e.(type) {
		case Rows:
			if e.Schema == schema {
				return true
			}
		case Query:
			if e.Schema == schema || strings.Contains(e.SQL, schema) {
				return true
			}
		}
	}
	return false
}

// stCollect reads whole transactions until the one with GTID last has committed,
// checking the Begin/body/Commit framing on the way.
func stCollect(t *testing.T, ctx context.Context, s *Stream, last string) []stTxn {
	t.Helper()
	var txns []stTxn
	var cur *stTxn
	for {
		e, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("Next after %d transactions: %v", len(txns), err)
		}
		switch e := e.(type) {
		case Begin:
			if cur != nil {
				t.Fatalf("Begin %s inside %s", e.GTID, cur.begin.GTID)
			}
			cur = &stTxn{begin: e}
		case Rows, Query:
			if cur == nil {
				t.Fatalf("%T outside a transaction", e)
			}
			cur.body = append(cur.body, e)
		case Commit:
			if cur == nil || e.GTID != cur.begin.GTID {
				t.Fatalf("Commit %s does not close %+v", e.GTID, cur)
			}
			cur.commit = e
			txns = append(txns, *cur)
			cur = nil
			if e.GTID == last {
				return txns
			}
		case Rollback:
			t.Fatalf("unexpected Rollback %s", e.GTID)
		case Heartbeat:
		}
	}
}

// stSeq is the sequence number of a MariaDB domain-0 GTID such as 0-1-42.
func stSeq(t *testing.T, gtid string) uint64 {
	t.Helper()
	var d, srv, seq uint64
	if _, err := fmt.Sscanf(gtid, "%d-%d-%d", &d, &srv, &seq); err != nil || d != 0 {
		t.Fatalf("GTID %q is not a domain-0 MariaDB GTID: %v", gtid, err)
	}
	return seq
}

// stLast0 is the last sequence number of GTID domain 0 in a MariaDB position.
func stLast0(g mysqlx.GTIDSet) uint64 {
	for _, r := range g.Ranges() {
		if r.Domain == 0 {
			return r.Last
		}
	}
	return 0
}

func stCheckRows(t *testing.T, e Event, kind RowsKind, want string) {
	t.Helper()
	r, ok := e.(Rows)
	if !ok {
		t.Fatalf("got %T %+v, want %s rows", e, e, kind)
	}
	if r.Kind != kind || r.Table != "t" || fmt.Sprint(r.Rows) != want {
		t.Errorf("got %s %s.%s %v, want %s t %s", r.Kind, r.Schema, r.Table, r.Rows, kind, want)
	}
	if len(r.Columns) != 2 || r.Columns[0].Name != "id" || r.Columns[1].Name != "v" {
		t.Errorf("columns %+v, want id, v", r.Columns)
	}
}

func TestStreamTransactions(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	db, conn, schema := stSource(t, ctx)
	pfExec(t, ctx, conn, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))")
	start := stPosition(t, ctx, db)
	s := stOpen(t, ctx, start)

	pfExec(t, ctx, conn, "BEGIN", "INSERT INTO t VALUES (1,'a'),(2,'b')", "UPDATE t SET v='c' WHERE id=1",
		"DELETE FROM t WHERE id=2", "COMMIT")
	g1 := stLastGTID(t, ctx, conn)
	pfExec(t, ctx, conn, "BEGIN", "INSERT INTO t VALUES (3,'d')", "UPDATE t SET v='e' WHERE id=3",
		"DELETE FROM t WHERE id=1", "COMMIT")
	g2 := stLastGTID(t, ctx, conn)
	pfExec(t, ctx, conn, "CREATE TABLE u (id INT PRIMARY KEY)")
	g3 := stLastGTID(t, ctx, conn)

	txns := stCollect(t, ctx, s, g3)
	// Every streamed transaction follows the start position without a gap, whoever wrote it.
	prev := stLast0(start)
	var mine []stTxn
	for _, x := range txns {
		if seq := stSeq(t, x.begin.GTID); seq != prev+1 {
			t.Errorf("GTID %s follows seq %d: not consecutive", x.begin.GTID, prev)
		}
		prev = stSeq(t, x.begin.GTID)
		if x.touches(schema) {
			mine = append(mine, x)
		}
	}
	if len(mine) != 3 {
		t.Fatalf("got %d transactions on %s, want 3: %+v", len(mine), schema, mine)
	}
	for i, want := range []string{g1, g2, g3} {
		if mine[i].begin.GTID != want || mine[i].commit.GTID != want {
			t.Errorf("transaction %d: GTID %s/%s, server said %s", i, mine[i].begin.GTID, mine[i].commit.GTID, want)
		}
		if mine[i].begin.ServerID != 1 || mine[i].begin.Timestamp.IsZero() || mine[i].commit.Timestamp.IsZero() {
			t.Errorf("transaction %d: server id %d, times %v/%v", i, mine[i].begin.ServerID, mine[i].begin.Timestamp, mine[i].commit.Timestamp)
		}
	}
	for i, want := range [][3]string{{"[[1 a] [2 b]]", "[[1 a] [1 c]]", "[[2 b]]"}, {"[[3 d]]", "[[3 d] [3 e]]", "[[1 c]]"}} {
		if b := mine[i].body; len(b) != 3 {
			t.Errorf("transaction %d: %d events, want 3: %+v", i, len(b), b)
			continue
		}
		stCheckRows(t, mine[i].body[0], Insert, want[0])
		stCheckRows(t, mine[i].body[1], Update, want[1])
		stCheckRows(t, mine[i].body[2], Delete, want[2])
	}
	if b := mine[2].body; len(b) != 1 {
		t.Errorf("DDL transaction body %+v", b)
	} else if q, ok := b[0].(Query); !ok || q.Schema != schema || q.SQL != "CREATE TABLE u (id INT PRIMARY KEY)" ||
		!q.Context.HasSQLMode || !q.Context.HasCharset || q.Context.Time.IsZero() {
		t.Errorf("DDL statement %+v: want its schema, text and session context", b[0])
	}
	if now := stPosition(t, ctx, db); stLast0(now) < stSeq(t, g3) {
		t.Errorf("gtid_binlog_pos %s is before the last streamed GTID %s", now, g3)
	}
}

func TestStreamStartsAfterPosition(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	db, conn, schema := stSource(t, ctx)
	pfExec(t, ctx, conn, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))",
		"INSERT INTO t VALUES (1,'before')")
	before := stLastGTID(t, ctx, conn)
	start := stPosition(t, ctx, db)
	pfExec(t, ctx, conn, "INSERT INTO t VALUES (2,'after')")
	after := stLastGTID(t, ctx, conn)

	s := stOpen(t, ctx, start)
	txns := stCollect(t, ctx, s, after)
	if first := stSeq(t, txns[0].begin.GTID); first != stLast0(start)+1 {
		t.Errorf("first streamed GTID %s, want the one after %s", txns[0].begin.GTID, start)
	}
	var mine []stTxn
	for _, x := range txns {
		if x.begin.GTID == before {
			t.Errorf("transaction %s before the start position streamed again", before)
		}
		if x.touches(schema) {
			mine = append(mine, x)
		}
	}
	if len(mine) != 1 || len(mine[0].body) != 1 {
		t.Fatalf("got %+v, want the one later insert", mine)
	}
	stCheckRows(t, mine[0].body[0], Insert, "[[2 after]]")
}

func TestStreamCancel(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	db, _, _ := stSource(t, ctx)
	s := stOpen(t, ctx, stPosition(t, ctx, db))

	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(100*time.Millisecond, cancel)
	began := time.Now()
	var err error
	for err == nil { // heartbeats may arrive before the cancel
		_, err = s.Next(cctx)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Next with a cancelled context = %v, want context.Canceled", err)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("Next returned %v after the cancel", d)
	}
	s.Close()
	if _, err := s.Next(ctx); !errors.Is(err, ErrStreamClosed) {
		t.Errorf("Next after Close = %v, want ErrStreamClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
