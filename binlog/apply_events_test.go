package binlog

import (
	"errors"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// TestApplyEvents drives the applier with hand-made events: a transaction rolled
// back after a reconnect and sent again, DDL, and a statement after rows.
func TestApplyEvents(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := apSetup(t, ctx)
	pfExec(t, ctx, env.sdb, "CREATE TABLE "+env.schema+".t (id INT PRIMARY KEY, v VARCHAR(8))")
	if err := env.store.Init(ctx, mysqlx.GTIDSet{}, 1); err != nil {
		t.Fatal(err)
	}
	cols := []ColumnMeta{{Name: "id", Type: mysql.MYSQL_TYPE_LONG}, {Name: "v", Type: mysql.MYSQL_TYPE_VARCHAR, Nullable: true}}
	ins := func(id int32) Rows {
		return Rows{Schema: env.schema, Table: "t", Kind: Insert, Columns: cols, Rows: [][]any{{id, "x"}}}
	}
	apply := func(events ...Event) error {
		t.Helper()
		cfg := apConfig
		cfg.SkipApplied = true // the events replay 0-99-1 on purpose
		a, err := NewApplier(ctx, env.sdb, env.store, 1, cfg)
		if err != nil {
			t.Fatal(err)
		}
		src := sliceSource(events)
		return a.Apply(ctx, &src)
	}
	ts := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	err := apply(
		Begin{GTID: "0-99-1"}, ins(1), Rollback{GTID: "0-99-1"}, // interrupted, sent again
		Begin{GTID: "0-99-1"}, ins(1), ins(2), Commit{GTID: "0-99-1", Timestamp: ts},
		Begin{GTID: "0-99-1"}, ins(1), Commit{GTID: "0-99-1"}, // already applied: skipped
		Begin{GTID: "0-99-2"}, Query{Schema: env.schema, SQL: "ALTER TABLE t ADD COLUMN w INT"}, Commit{GTID: "0-99-2", Timestamp: ts},
		Begin{GTID: "0-99-3"}, Query{Schema: env.schema, SQL: "SAVEPOINT a"}, ins(3),
		Query{Schema: env.schema, SQL: "ROLLBACK TO SAVEPOINT a"}, ins(4), Commit{GTID: "0-99-3", Timestamp: ts},
		Begin{GTID: "0-99-4"}, ins(5), // the source ends inside a transaction: rolled back
	)
	if !errors.Is(err, errEnd) {
		t.Fatalf("Apply: %v, want the source's end", err)
	}
	var n, w int
	if err := env.sdb.QueryRowContext(ctx, "SELECT COUNT(*), COUNT(w) FROM "+env.schema+".t").Scan(&n, &w); err != nil || n != 3 {
		t.Errorf("t holds %d rows (%v), want 3 (1, 2, 4); the ALTER must have added w", n, err)
	}
	if err := env.sdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+env.schema+".t WHERE id IN (3, 5)").Scan(&n); err != nil || n != 0 {
		t.Errorf("rows 3 (rolled back to a savepoint) or 5 (incomplete transaction) were applied: %d (%v)", n, err)
	}
	cp, _, err := env.store.Load(ctx)
	if err != nil || cp.GTIDs.String() != "0-99-3" || !cp.SourceCommit.Equal(ts) || cp.PendingDDL != "" {
		t.Errorf("checkpoint %s at %s pending %q (%v), want 0-99-3 at %s", cp.GTIDs, cp.SourceCommit, cp.PendingDDL, err, ts)
	}

	if err := apply(Rows{Schema: checkpointSchema, Table: "x"}); err == nil || errors.Is(err, errEnd) {
		t.Errorf("rows outside a transaction: %v, want an error", err)
	}

	// A statement after rows in one transaction would commit the rows without their
	// checkpoint: refused, and the rows are rolled back.
	err = apply(Begin{GTID: "0-99-5"}, ins(6), Query{Schema: env.schema, SQL: "DROP TABLE t"}, Commit{GTID: "0-99-5"})
	if !errors.Is(err, ErrUnsupportedEvent) {
		t.Fatalf("statement after rows: %v, want ErrUnsupportedEvent", err)
	}
	if err := env.sdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+env.schema+".t").Scan(&n); err != nil || n != 3 {
		t.Errorf("t holds %d rows (%v) after the refused transaction, want 3", n, err)
	}
}
