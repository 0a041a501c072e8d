package restore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"golang.org/x/sync/errgroup"

	"github.com/pilotlight-dr/pilotlight/binlog/statement"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

// load runs the three phases: databases and tables, rows, objects.
func load(ctx context.Context, s sinks.Sink, m *snapshot.Manifest, db *sql.DB, p *plan, opt Options, rep *Report) error {
	for _, ps := range p.schemas {
		if err := runFile(ctx, s, m, db, ps.create, opt, nil); err != nil {
			return fmt.Errorf("create database %s: %w", ps.name, err)
		}
	}
	deferred := map[int][]string{} // the secondary keys of p.tables[i], added after its rows
	for i, t := range p.tables {
		keys := func(stmt string) string {
			if !opt.DeferIndexes || !strings.HasPrefix(stmt, "CREATE TABLE ") {
				return stmt
			}
			table, keys := deferIndexes(stmt)
			deferred[i] = keys
			return table
		}
		if err := runFile(ctx, s, m, db, t.t.Create, opt, keys); err != nil && !alreadyThere(err) {
			return fmt.Errorf("create table %s.%s: %w", t.schema, t.t.Name, err)
		}
	}
	done, err := loadedChunks(ctx, db, m.ID)
	if err != nil {
		return err
	}
	rep.ChunksBefore = len(done)
	var rows, bytes, chunks atomic.Int64
	jobs := make(chan chunkJob)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(jobs)
		for _, j := range p.chunkJobs() {
			if _, ok := done[j.chunk.Key]; ok {
				continue
			}
			select {
			case jobs <- j:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	for range opt.Threads {
		g.Go(func() error {
			conn, err := db.Conn(gctx)
			if err != nil {
				return fmt.Errorf("connect to the target: %w", err)
			}
			defer discard(conn)
			// Chunks of one table load side by side: no gap locks between them.
			if _, err := conn.ExecContext(gctx, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"); err != nil {
				return fmt.Errorf("set up a loading session: %w", err)
			}
			for j := range jobs {
				n, err := loadChunkRetrying(gctx, s, m, conn, j, opt)
				if err != nil {
					return err
				}
				rows.Add(n)
				bytes.Add(j.chunk.Bytes)
				chunks.Add(1)
				if opt.Progress != nil {
					opt.Progress(n, j.chunk.Bytes)
				}
			}
			return nil
		})
	}
	err = g.Wait()
	rep.Rows, rep.Bytes, rep.Chunks = rows.Load(), bytes.Load(), int(chunks.Load())
	if err != nil {
		return err
	}
	if err := addDeferred(ctx, db, p, deferred, opt); err != nil {
		return err
	}
	events := func(stmt string) string { return eventAs(stmt, opt.Events) }
	for _, ps := range p.schemas {
		if ps.objects == nil {
			continue
		}
		if err := runFile(ctx, s, m, db, *ps.objects, opt, events, 1304, 1359, 1537); err != nil { // exists: a rerun
			return fmt.Errorf("views, routines, triggers and events of %s: %w", ps.name, err)
		}
	}
	return nil
}

// chunkAttempts is how often a chunk is tried when the target rolls it back
// for a deadlock or a lock wait timeout.
const chunkAttempts = 5

// loadChunkRetrying is loadChunk, tried again (from the start of its object)
// after a deadlock or lock wait timeout: the target rolled it back whole.
func loadChunkRetrying(ctx context.Context, s sinks.Sink, m *snapshot.Manifest, conn *sql.Conn, j chunkJob, opt Options) (int64, error) {
	for attempt := 1; ; attempt++ {
		n, err := loadChunk(ctx, s, m, conn, j, opt)
		var me *mysql.MySQLError
		if err == nil || attempt == chunkAttempts || !errors.As(err, &me) || me.Number != 1213 && me.Number != 1205 {
			return n, err
		}
		opt.Logger.InfoContext(ctx, "the target rolled a chunk back; loading it again", "chunk", j.String(),
			"attempt", attempt+1, "error", err.Error())
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
		}
	}
}

// addDeferred adds the secondary keys held back from each table's CREATE TABLE,
// threads tables at once. A key that exists already (a rerun) is passed over.
func addDeferred(ctx context.Context, db *sql.DB, p *plan, deferred map[int][]string, opt Options) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Threads)
	for i, keys := range deferred {
		if len(keys) == 0 {
			continue
		}
		t := p.tables[i]
		g.Go(func() error {
			opt.Logger.InfoContext(gctx, "adding the secondary indexes after the rows", "table", t.schema+"."+t.t.Name,
				"indexes", len(keys))
			_, err := db.ExecContext(gctx, addIndexesSQL(t.schema, t.t.Name, keys)) // one pass over the rows
			var me *mysql.MySQLError
			if !errors.As(err, &me) || me.Number != 1061 { // ER_DUP_KEYNAME: a rerun found some there already
				if err != nil {
					return fmt.Errorf("add the secondary indexes of %s.%s: %w", t.schema, t.t.Name, err)
				}
				return nil
			}
			for _, k := range keys {
				_, err := db.ExecContext(gctx, addIndexesSQL(t.schema, t.t.Name, []string{k}))
				if err != nil && !(errors.As(err, &me) && me.Number == 1061) {
					return fmt.Errorf("add index to %s.%s (%s): %w", t.schema, t.t.Name, k, err)
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// loadChunk loads one chunk in one transaction with its progress row: all of
// it or none. The chunk's SHA-256 is checked as it streams; a mismatch (or a
// row count other than the manifest's) rolls it back.
func loadChunk(ctx context.Context, s sinks.Sink, m *snapshot.Manifest, conn *sql.Conn, j chunkJob, opt Options) (int64, error) {
	rc, err := snapshot.OpenFile(ctx, s, m, j.chunk.File, opt.Key)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", j, err)
	}
	defer rc.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("%s: begin: %w", j, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	var n int64
	err = runScript(rc, func(stmt []byte) error {
		res, err := tx.ExecContext(ctx, string(stmt))
		if err != nil {
			return err
		}
		if isInsert(stmt) {
			a, _ := res.RowsAffected()
			n += a
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w; nothing of it was committed", j, err)
	}
	if n != j.chunk.Rows {
		return 0, fmt.Errorf("%w: %s inserted %d rows, the manifest says %d; nothing of it was committed",
			ErrChunk, j, n, j.chunk.Rows)
	}
	if _, err := tx.ExecContext(ctx, chunkDoneSQL, m.ID, j.chunk.Key, n); err != nil {
		return 0, fmt.Errorf("%s: record it as loaded: %w", j, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("%s: commit: %w", j, err)
	}
	return n, nil
}

// runFile runs one schema or objects file on a connection of its own.
// transform (nil: none) rewrites each statement before it runs. Errors
// numbered in tolerate mean the statement's effect is there already (a rerun)
// and are passed over.
func runFile(ctx context.Context, s sinks.Sink, m *snapshot.Manifest, db *sql.DB, f snapshot.File, opt Options,
	transform func(string) string, tolerate ...uint16) error {
	rc, err := snapshot.OpenFile(ctx, s, m, f, opt.Key)
	if err != nil {
		return err
	}
	defer rc.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect to the target: %w", err)
	}
	defer discard(conn)
	return runScript(rc, func(stmt []byte) error {
		q := string(stmt)
		if transform != nil {
			q = transform(q)
		}
		_, err := conn.ExecContext(ctx, q)
		var me *mysql.MySQLError
		if errors.As(err, &me) && slices.Contains(tolerate, me.Number) {
			return nil
		}
		return err
	})
}

// eventAs is a CREATE EVENT statement as mode wants it created; anything else
// as it is. Events are created with their status, never enabled first: a
// scheduler running on the target would start them at once.
func eventAs(stmt string, mode EventMode) string {
	if !strings.HasPrefix(stmt, "CREATE") || statement.Classify(stmt).Kind != statement.Event {
		return stmt
	}
	switch mode {
	case EventsHeld:
		stmt, _, _ = statement.HoldEvent(stmt, "SLAVE")
	case EventsDisabled:
		stmt, _, _ = statement.DisableEvent(stmt)
	}
	return stmt
}

// discard closes a connection a snapshot script ran on, so that the pool
// never hands its session settings (NAMES binary, FOREIGN_KEY_CHECKS=0,
// SQL_MODE, TIME_ZONE) to whatever runs next.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// isInsert: the statement is an INSERT (the rows of a chunk).
func isInsert(stmt []byte) bool {
	return len(stmt) >= 6 && (stmt[0]|0x20) == 'i' && (stmt[1]|0x20) == 'n' && (stmt[2]|0x20) == 's' &&
		(stmt[3]|0x20) == 'e' && (stmt[4]|0x20) == 'r' && (stmt[5]|0x20) == 't'
}

// alreadyThere: the error says the table exists (a rerun after the tables were
// created).
func alreadyThere(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1050
}
