package binlog

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// txn is one source transaction planned for the standby: its row changes as
// statements, the conflict keys of every row image it touches, and what the
// metrics need. A txn holds only text, never the decoded events.
type txn struct {
	gtid      string
	commit    time.Time // source commit time
	file      string    // source binlog file and end position of its commit
	pos       uint32
	stmts     []stmt
	bytes     int // statement text
	rows      int // row changes
	keys      []uint64
	heartbeat time.Time // newest heartbeat row in the transaction
	recv      time.Time // when its commit was received
	mark      int64     // events received from the source up to its commit
	alone     bool      // applied on the exclusive session: no keys needed
	nontx     bool      // touches a non-transactional table: applied alone (see nontx.go)
}

// planner turns row events into statements against the standby's tables, whose
// descriptions it caches until the next DDL. It runs in the coordinator only.
type planner struct {
	meta    queryer // reads information_schema on the standby
	tables  map[string]*standbyTable
	keys    keyer
	warned  map[string]bool // non-transactional tables already logged
	log     *slog.Logger
	maxText int // a statement longer than this goes as a prepared statement
	chunk   int // a multi-row INSERT stops growing at this many bytes
}

func newPlanner(meta queryer, maxText, chunk int, log *slog.Logger) *planner {
	return &planner{meta: meta, tables: map[string]*standbyTable{}, keys: newKeyer(), maxText: maxText, chunk: chunk,
		warned: map[string]bool{}, log: log}
}

// forget drops the cached table descriptions (after a DDL).
func (p *planner) forget() { clear(p.tables) }

func (p *planner) table(ctx context.Context, schema, table string) (*standbyTable, error) {
	key := schema + "." + table
	if t, ok := p.tables[key]; ok {
		return t, nil
	}
	t, err := loadStandbyTable(ctx, p.meta, schema, table)
	if err != nil {
		return nil, err
	}
	p.tables[key] = t
	return t, nil
}

// rows plans one rows event into t.
func (p *planner) rows(ctx context.Context, t *txn, e Rows) error {
	if e.Schema == checkpointSchema {
		if _, ts, ok := HeartbeatFromRows(e); ok && ts.After(t.heartbeat) {
			t.heartbeat = ts
		}
		return nil // pilotlight's own tables are never applied
	}
	info, err := p.table(ctx, e.Schema, e.Table)
	if err != nil {
		return fmt.Errorf("apply transaction %s: %w", t.gtid, err)
	}
	if info.versioned {
		return fmt.Errorf("apply transaction %s: %w: table %s.%s is system-versioned (WITH SYSTEM VERSIONING): its rows "+
			"carry row_start/row_end history that the standby would write again itself on every change, so it cannot "+
			"be applied exactly; leave it out with --exclude '%s.%s', or remove its versioning on the primary",
			t.gtid, ErrUnsupportedTable, e.Schema, e.Table, e.Schema, e.Table)
	}
	cols, err := info.bind(e.Schema, e.Table, e.Columns)
	if err != nil {
		return fmt.Errorf("apply transaction %s: %w", t.gtid, err)
	}
	if !info.transactional {
		t.nontx = true
		if !p.warned[info.name] {
			p.warned[info.name] = true
			p.log.Warn("applying rows of a non-transactional table: they cannot commit with the checkpoint, so a crash "+
				"may apply its last changes twice (at-least-once); convert it to InnoDB on the primary",
				slog.String("table", e.Schema+"."+e.Table), slog.String("engine", info.engine))
		}
	}
	pos := info.positions(e.Columns)
	step := 1
	if e.Kind == Update {
		step = 2
		if len(e.Rows)%2 != 0 {
			return fmt.Errorf("apply transaction %s: update of %s with %d row images, want pairs", t.gtid, info.name, len(e.Rows))
		}
	}
	if !t.alone { // a transaction applied alone needs no conflict keys (and may be huge)
		for _, img := range e.Rows {
			t.keys = p.keys.rowKeys(t.keys, info, pos, img)
		}
	}
	table := e.Schema + "." + e.Table
	if e.Kind == Insert {
		return p.inserts(t, info, cols, table, e.Rows)
	}
	if len(cols) == 0 && e.Kind == Update {
		// Every column is generated: an update cannot change a row (all rows are
		// alike and computed), so there is nothing to apply.
		t.rows += len(e.Rows) / step
		return nil
	}
	for i := 0; i < len(e.Rows); i += step {
		s := stmt{want: 1, table: table, kind: e.Kind, row: i/step + 1}
		build := func(w *sqlBuf) error {
			if e.Kind == Update {
				return w.update(info.name, cols, info.hasPK, e.Rows[i], e.Rows[i+1])
			}
			if e.Kind != Delete {
				return fmt.Errorf("%w: rows kind %d", ErrUnsupportedEvent, e.Kind)
			}
			return w.delete(info.name, cols, info.hasPK, e.Rows[i])
		}
		if err := p.add(t, s, build); err != nil {
			return err
		}
	}
	t.rows += len(e.Rows) / step
	return nil
}

// inserts plans the rows of an insert event as multi-row INSERTs of about p.chunk
// bytes each.
func (p *planner) inserts(t *txn, info *standbyTable, cols []boundColumn, table string, rows [][]any) error {
	for first := 0; first < len(rows); {
		var w sqlBuf
		if err := w.insertRows(info.name, cols, rows[first:first+1]); err != nil {
			return p.rowError(t, table, Insert, first+1, err)
		}
		n := 1
		for first+n < len(rows) && len(w.b) < p.chunk {
			mark := len(w.b)
			w.str(", ")
			if err := w.tuple(cols, rows[first+n]); err != nil {
				return p.rowError(t, table, Insert, first+n+1, err)
			}
			if len(w.b) > p.chunk && n > 0 {
				w.b = w.b[:mark]
				break
			}
			n++
		}
		s := stmt{want: int64(n), table: table, kind: Insert, row: first + 1}
		if len(w.b) > p.maxText { // one huge row: send its values as parameters
			if err := p.add(t, s, func(w *sqlBuf) error { return w.insertRows(info.name, cols, rows[first:first+1]) }); err != nil {
				return err
			}
		} else {
			s.sql = string(w.b)
			t.stmts = append(t.stmts, s)
			t.bytes += len(s.sql)
		}
		t.rows += n
		first += n
	}
	return nil
}

// add builds one statement as text, or with parameters when the text is too long.
func (p *planner) add(t *txn, s stmt, build func(*sqlBuf) error) error {
	var w sqlBuf
	if err := build(&w); err != nil {
		return p.rowError(t, s.table, s.kind, s.row, err)
	}
	if len(w.b) > p.maxText {
		w = sqlBuf{params: true}
		if err := build(&w); err != nil {
			return p.rowError(t, s.table, s.kind, s.row, err)
		}
		s.args = w.args
		if s.args == nil {
			s.args = []any{}
		}
	}
	s.sql = string(w.b)
	t.stmts = append(t.stmts, s)
	t.bytes += len(s.sql)
	for _, a := range s.args {
		if b, ok := a.([]byte); ok {
			t.bytes += len(b)
		} else if str, ok := a.(string); ok {
			t.bytes += len(str)
		}
	}
	return nil
}

func (p *planner) rowError(t *txn, table string, kind RowsKind, row int, err error) error {
	return fmt.Errorf("apply transaction %s: %s of %s row %d: %w", t.gtid, kind, table, row, err)
}
