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
	a, err := NewApplier(ctx, env.sdb, env.store, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	cols := []ColumnMeta{{Name: "id", Type: mysql.MYSQL_TYPE_LONG}, {Name: "v", Type: mysql.MYSQL_TYPE_VARCHAR, Nullable: true}}
	ins := func(id int32) Rows {
		return Rows{Schema: env.schema, Table: "t", Kind: Insert, Columns: cols, Rows: [][]any{{id, "x"}}}
	}
	ts := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	events := []Event{
		Begin{GTID: "0-99-1"}, ins(1), Rollback{GTID: "0-99-1"}, // interrupted, sent again
		Begin{GTID: "0-99-1"}, ins(1), ins(2), Commit{GTID: "0-99-1", Timestamp: ts},
		Begin{GTID: "0-99-1"}, ins(1), Commit{GTID: "0-99-1"}, // already applied: skipped
		Begin{GTID: "0-99-2"}, Query{Schema: env.schema, SQL: "ALTER TABLE t ADD COLUMN w INT"}, Commit{GTID: "0-99-2", Timestamp: ts},
		Rows{Schema: checkpointSchema, Table: "x"}, // outside a transaction
	}
	for i, e := range events[:len(events)-1] {
		if err := a.Handle(ctx, e); err != nil {
			t.Fatalf("event %d %T: %v", i, e, err)
		}
	}
	if err := a.Handle(ctx, events[len(events)-1]); err == nil {
		t.Error("rows outside a transaction accepted")
	}
	var n, w int
	if err := env.sdb.QueryRowContext(ctx, "SELECT COUNT(*), COUNT(w) FROM "+env.schema+".t").Scan(&n, &w); err != nil || n != 2 {
		t.Errorf("t holds %d rows (%v), want 2; the ALTER must have added w", n, err)
	}
	cp, _, err := env.store.Load(ctx)
	if err != nil || cp.GTIDs.String() != "0-99-2" || !cp.SourceCommit.Equal(ts) {
		t.Errorf("checkpoint %s at %s (%v), want 0-99-2 at %s", cp.GTIDs, cp.SourceCommit, err, ts)
	}

	// A statement after rows in one transaction would commit the rows without their
	// checkpoint: refused, and the rows are rolled back.
	for _, e := range []Event{Begin{GTID: "0-99-3"}, ins(3)} {
		if err := a.Handle(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Handle(ctx, Query{Schema: env.schema, SQL: "DROP TABLE t"}); !errors.Is(err, ErrUnsupportedEvent) {
		t.Fatalf("statement after rows: %v, want ErrUnsupportedEvent", err)
	}
	a.Close()
	if err := env.sdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+env.schema+".t").Scan(&n); err != nil || n != 2 {
		t.Errorf("t holds %d rows (%v) after the refused transaction, want 2", n, err)
	}
}
