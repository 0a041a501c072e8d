package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// apEnv is a fresh database of the same name on the primary and on the standby.
type apEnv struct {
	pdb    *sql.DB
	conn   *sql.Conn // a primary session in the database
	sdb    *sql.DB   // standby, configured by ApplierDriverConfig
	schema string
	store  *CheckpointStore
	// events streams the primary after start, only this test's database
	events func(t *testing.T, ctx context.Context, start mysqlx.GTIDSet) EventSource
}

// apSetup is an apEnv on the shared primary and standby.
func apSetup(t *testing.T, ctx context.Context, ddl ...string) *apEnv {
	t.Helper()
	pdb, conn, schema := stSource(t, ctx)
	env := apTables(t, ctx, pdb, conn, schema, apApplierDB(t, testenv.MariaDBStandby(t).DSN("")), ddl)
	env.events = func(t *testing.T, ctx context.Context, start mysqlx.GTIDSet) EventSource {
		return apFilter{stOpen(t, ctx, start), schema}
	}
	return env
}

// apSetupPrivate is an apEnv on a private primary started with binlog_row_metadata
// set to rowMetadata, and the shared standby.
func apSetupPrivate(t *testing.T, ctx context.Context, rowMetadata string, ddl ...string) *apEnv {
	t.Helper()
	primary := testenv.NewMariaDB(t, testenv.WithArgs("--binlog-row-metadata="+rowMetadata))
	pdb, _ := pfOpen(t, ctx, primary.DSN(""))
	schema := fmt.Sprintf("stp_%d", time.Now().UnixNano()%1e12)
	pfExec(t, ctx, pdb, "CREATE DATABASE "+schema)
	conn, err := pdb.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	pfExec(t, ctx, conn, "USE "+schema)
	env := apTables(t, ctx, pdb, conn, schema, apApplierDB(t, testenv.MariaDBStandby(t).DSN("")), ddl)
	ep, err := mysqlx.ParseURL(primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	env.events = func(t *testing.T, ctx context.Context, start mysqlx.GTIDSet) EventSource {
		st, err := OpenStream(ctx, StreamConfig{Source: ep, Flavor: mysqlx.MariaDB, ServerID: 4343, Start: start})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	return env
}

// apTables creates schema and the tables of ddl on the standby, and the tables on
// the primary through conn (in schema).
func apTables(t *testing.T, ctx context.Context, pdb *sql.DB, conn *sql.Conn, schema string, sdb *sql.DB, ddl []string) *apEnv {
	t.Helper()
	pfExec(t, ctx, sdb, "CREATE DATABASE "+schema)
	t.Cleanup(func() { sdb.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+schema) })
	for _, d := range ddl {
		pfExec(t, ctx, conn, d)
		pfExec(t, ctx, sdb, strings.Replace(d, "CREATE TABLE ", "CREATE TABLE "+schema+".", 1))
	}
	return &apEnv{pdb: pdb, conn: conn, sdb: sdb, schema: schema, store: cpStore(t, sdb, mysqlx.MariaDB)}
}

// apFilter passes the transactions of other tests (sharing the primary) as empty
// ones, so that only this test's database reaches the standby while every GTID is
// still checkpointed in order.
type apFilter struct {
	s      *Stream
	schema string
}

func (f apFilter) Next(ctx context.Context) (Event, error) {
	for {
		e, err := f.s.Next(ctx)
		if err != nil {
			return nil, err
		}
		switch x := e.(type) {
		case Rows:
			if x.Schema != f.schema {
				continue
			}
		case Query:
			if x.Schema != f.schema {
				continue
			}
		}
		return e, nil
	}
}

// errEnd ends a test source: Apply commits every whole transaction it read, then
// returns it.
var errEnd = errors.New("end of the test's events")

// untilSource passes src's events up to the commit of last, then errEnd.
type untilSource struct {
	src  EventSource
	last string
	done bool
}

func (u *untilSource) Next(ctx context.Context) (Event, error) {
	if u.done {
		return nil, errEnd
	}
	e, err := u.src.Next(ctx)
	if c, ok := e.(Commit); ok && c.GTID == u.last {
		u.done = true
	}
	return e, err
}

// sliceSource yields events, then errEnd.
type sliceSource []Event

func (s *sliceSource) Next(context.Context) (Event, error) {
	if len(*s) == 0 {
		return nil, errEnd
	}
	e := (*s)[0]
	*s = (*s)[1:]
	return e, nil
}

// apRun applies src up to and including the transaction last.
func apRun(t *testing.T, ctx context.Context, a *Applier, src EventSource, last string) {
	t.Helper()
	if err := a.Apply(ctx, &untilSource{src: src, last: last}); !errors.Is(err, errEnd) {
		t.Fatalf("Apply up to %s: %v", last, err)
	}
}

// apChecksum is CHECKSUM TABLE of schema.table.
func apChecksum(t *testing.T, ctx context.Context, db *sql.DB, schema, table string) string {
	t.Helper()
	var name string
	var sum sql.NullString
	if err := db.QueryRowContext(ctx, "CHECKSUM TABLE "+schema+"."+table).Scan(&name, &sum); err != nil {
		t.Fatal(err)
	}
	return sum.String
}

// apDump renders a table's rows, every column in hex, for diagnostics.
func apDump(t *testing.T, ctx context.Context, db *sql.DB, schema, table string) string {
	t.Helper()
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+schema+"."+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if v == nil {
				fmt.Fprintf(&b, "%s=NULL ", cols[i])
			} else {
				fmt.Fprintf(&b, "%s=%x ", cols[i], []byte(v))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// apCompare checks that tables hold the same rows on both sides.
func (env *apEnv) compare(t *testing.T, ctx context.Context, tables ...string) {
	t.Helper()
	for _, tb := range tables {
		p, s := apChecksum(t, ctx, env.pdb, env.schema, tb), apChecksum(t, ctx, env.sdb, env.schema, tb)
		if p != s || p == "" {
			t.Errorf("CHECKSUM TABLE %s: primary %s, standby %s\nprimary:\n%s\nstandby:\n%s", tb, p, s,
				apDump(t, ctx, env.pdb, env.schema, tb), apDump(t, ctx, env.sdb, env.schema, tb))
		}
	}
}

// apConfig runs tests with several workers and small batches, so that batching,
// dependencies and in-order commits are all exercised on a few transactions.
var apConfig = ApplyConfig{Workers: 3, BatchTxns: 3}

// apApplierDB opens a standby as the applier does (ApplierDriverConfig).
func apApplierDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	connector, err := mysql.NewConnector(ApplierDriverConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close() })
	return db
}
