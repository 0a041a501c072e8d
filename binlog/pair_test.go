package binlog

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// pairEnv is a private primary and an empty private standby, as a new user has
// them: nothing created on the standby by hand, everything arrives through the
// stream from the primary's first transaction.
type pairEnv struct {
	primary *testenv.MariaDB
	pdb     *sql.DB // primary, root
	sdb     *sql.DB // standby, ApplierDriverConfig
	sroot   *sql.DB // standby, root, plain
	store   *CheckpointStore
}

// newPair starts the pair; the standby runs its event scheduler, so that an event
// that is not held there would run.
func newPair(t *testing.T, ctx context.Context, opts ...testenv.MariaDBOption) *pairEnv {
	t.Helper()
	p := testenv.NewMariaDB(t, opts...)
	s := testenv.NewMariaDB(t, testenv.WithArgs("--event-scheduler=ON"))
	env := &pairEnv{primary: p}
	env.pdb, _ = pfOpen(t, ctx, p.DSN(""))
	env.sroot, _ = pfOpen(t, ctx, s.DSN(""))
	env.sdb = apApplierDB(t, s.DSN(""))
	env.store = cpStore(t, env.sdb, mysqlx.MariaDB)
	if err := env.store.Init(ctx, mustGTIDs(t, mysqlx.MariaDB, ""), 1); err != nil {
		t.Fatal(err)
	}
	return env
}

// exec runs statements on the primary, each on a fresh session unless they
// share one statement string (multi-statements are off: one per call).
func (env *pairEnv) exec(t *testing.T, ctx context.Context, conn *sql.Conn, stmts ...string) {
	t.Helper()
	pfExec(t, ctx, conn, stmts...)
}

// session is a primary session that lasts the test.
func (env *pairEnv) session(t *testing.T, ctx context.Context) *sql.Conn {
	t.Helper()
	c, err := env.pdb.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// last is the primary's newest GTID in domain 0.
func (env *pairEnv) last(t *testing.T, ctx context.Context) string {
	t.Helper()
	var pos string
	if err := env.pdb.QueryRowContext(ctx, "SELECT @@gtid_binlog_pos").Scan(&pos); err != nil {
		t.Fatal(err)
	}
	for _, g := range strings.Split(pos, ",") {
		if strings.HasPrefix(g, "0-") {
			return g
		}
	}
	t.Fatalf("no domain 0 in %q", pos)
	return ""
}

// apply streams from the checkpoint and applies up to the primary's newest
// transaction; it returns Apply's error (nil when it got there).
func (env *pairEnv) apply(t *testing.T, ctx context.Context, cfg ApplyConfig) error {
	t.Helper()
	last := env.last(t, ctx)
	a, err := NewApplier(ctx, env.sdb, env.store, 1, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ep, err := mysqlx.ParseURL(env.primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	st, err := OpenStream(ctx, StreamConfig{Source: ep, Flavor: mysqlx.MariaDB, ServerID: 4343, Start: a.Applied()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = a.Apply(ctx, &untilSource{src: st, last: last})
	if errors.Is(err, errEnd) {
		return nil
	}
	return err
}

// checkpoint is the standby's checkpoint now.
func (env *pairEnv) checkpoint(t *testing.T, ctx context.Context) mysqlx.GTIDSet {
	t.Helper()
	cp, _, err := env.store.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return cp.GTIDs
}

// equal compares every base table of the given databases on both sides, and the
// tables' definitions.
func (env *pairEnv) equal(t *testing.T, ctx context.Context, dbs ...string) {
	t.Helper()
	for _, db := range dbs {
		rows, err := env.pdb.QueryContext(ctx, "SELECT TABLE_NAME FROM information_schema.TABLES "+
			"WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", db)
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			tables = append(tables, n)
		}
		rows.Close()
		if len(tables) == 0 {
			t.Fatalf("database %s has no table on the primary", db)
		}
		for _, tb := range tables {
			name := "`" + db + "`.`" + tb + "`"
			p, s := apChecksum(t, ctx, env.pdb, db, "`"+tb+"`"), apChecksum(t, ctx, env.sroot, db, "`"+tb+"`")
			if p != s {
				t.Errorf("CHECKSUM TABLE %s: primary %s, standby %s\nprimary:\n%s\nstandby:\n%s", name, p, s,
					apDump(t, ctx, env.pdb, db, "`"+tb+"`"), apDump(t, ctx, env.sroot, db, "`"+tb+"`"))
			}
			if pc, sc := showCreate(t, ctx, env.pdb, "TABLE", name), showCreate(t, ctx, env.sroot, "TABLE", name); pc != sc {
				t.Errorf("SHOW CREATE TABLE %s differs:\nprimary: %s\nstandby: %s", name, pc, sc)
			}
		}
	}
}

// showCreate is SHOW CREATE <what> name's definition column.
func showCreate(t *testing.T, ctx context.Context, db *sql.DB, what, name string) string {
	t.Helper()
	rows, err := db.QueryContext(ctx, "SHOW CREATE "+what+" "+name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		t.Fatalf("SHOW CREATE %s %s: no row", what, name)
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, c := range cols {
		switch strings.ToLower(c) {
		case "create table", "sql original statement", "create event", "create procedure", "sql_mode",
			"character_set_client", "collation_connection", "create function", "create view":
			out = append(out, vals[i].String)
		}
	}
	return strings.Join(out, " | ")
}
