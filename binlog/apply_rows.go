package binlog

import (
	"context"
	"fmt"
)

// rows applies one rows event inside the open standby transaction, one statement per
// row change, in source order (which keeps unique-key swaps inside one transaction
// valid: each intermediate state existed on the source).
func (a *Applier) rows(ctx context.Context, e Rows) error {
	t := a.txn
	if t.tx == nil {
		return fmt.Errorf("apply transaction %s: rows of %s.%s after a DDL in the same transaction",
			t.gtid, e.Schema, e.Table)
	}
	info, err := a.table(ctx, e.Schema, e.Table)
	if err != nil {
		return fmt.Errorf("apply transaction %s: %w", t.gtid, err)
	}
	cols, err := info.bind(e.Schema, e.Table, e.Columns)
	if err != nil {
		return fmt.Errorf("apply transaction %s: %w", t.gtid, err)
	}
	name := quoteIdent(e.Schema) + "." + quoteIdent(e.Table)
	step := 1
	if e.Kind == Update {
		step = 2
		if len(e.Rows)%2 != 0 {
			return fmt.Errorf("apply transaction %s: update of %s with %d row images, want pairs", t.gtid, name, len(e.Rows))
		}
	}
	for i := 0; i < len(e.Rows); i += step {
		var st rowStmt
		switch e.Kind {
		case Insert:
			st, err = buildInsert(name, cols, e.Rows[i])
		case Update:
			st, err = buildUpdate(name, cols, info.hasPK, e.Rows[i], e.Rows[i+1])
		case Delete:
			st, err = buildDelete(name, cols, info.hasPK, e.Rows[i])
		default:
			err = fmt.Errorf("%w: rows kind %d", ErrUnsupportedEvent, e.Kind)
		}
		what := fmt.Sprintf("apply transaction %s: %s of %s.%s row %d", t.gtid, e.Kind, e.Schema, e.Table, i/step+1)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := execOne(ctx, t.tx, st, what); err != nil {
			return err
		}
		t.rows++
	}
	return nil
}

// table returns the standby's description of a table, cached until the next DDL.
func (a *Applier) table(ctx context.Context, schema, table string) (*standbyTable, error) {
	key := schema + "." + table
	if info, ok := a.tables[key]; ok {
		return info, nil
	}
	info, err := loadStandbyTable(ctx, a.txn.tx, schema, table)
	if err != nil {
		return nil, err
	}
	a.tables[key] = info
	return info, nil
}

// query applies a statement the source logged as text: DDL in ROW format. DDL
// commits implicitly, so it runs outside the standby transaction, after a USE of the
// statement's default schema, and the checkpoint follows in its own transaction at
// Commit. Crash window: a crash between the DDL and that checkpoint commit leaves
// the DDL applied and its GTID not; on restart the DDL runs again and fails if it is
// not idempotent (CREATE of an existing table, DROP of a missing one). The operator
// then sees the error naming the GTID; tolerating exactly that re-run is future work.
//
// A statement after row changes of the same transaction is refused: running it would
// commit those rows without their checkpoint.
func (a *Applier) query(ctx context.Context, e Query) error {
	t := a.txn
	if t.rows > 0 {
		return fmt.Errorf("apply transaction %s: %w: statement after row changes in one transaction: %.80q",
			t.gtid, ErrUnsupportedEvent, e.SQL)
	}
	if t.tx != nil {
		if err := t.tx.Rollback(); err != nil { // empty so far
			return fmt.Errorf("apply transaction %s: end the empty transaction before DDL: %w", t.gtid, err)
		}
		t.tx = nil
	}
	clear(a.tables)
	if e.Schema != "" {
		if _, err := a.conn.ExecContext(ctx, "USE "+quoteIdent(e.Schema)); err != nil {
			return fmt.Errorf("apply transaction %s: USE %s: %w", t.gtid, e.Schema, err)
		}
	}
	if _, err := a.conn.ExecContext(ctx, e.SQL); err != nil {
		return fmt.Errorf("apply transaction %s: statement %.200q: %w", t.gtid, e.SQL, err)
	}
	return nil
}
