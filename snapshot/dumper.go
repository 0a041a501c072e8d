package snapshot

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// dumper runs one snapshot's workers.
type dumper struct {
	o   *Options
	db  *sql.DB
	dir string
	enc bool

	mu     sync.Mutex
	stored []string // keys written, for the clean-up after a failure
}

func (d *dumper) note(key string) {
	d.mu.Lock()
	d.stored = append(d.stored, key)
	d.mu.Unlock()
}

// cleanUp runs removeStored after a failure, even when ctx is cancelled
// (Ctrl-C), for at most the stall timeout: a sink that black-holes the
// network must not hang the exit.
func (d *dumper) cleanUp(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.o.StallTimeout)
	defer cancel()
	d.removeStored(ctx)
}

// removeStored deletes every object this snapshot stored from each sink, the
// sinks in parallel so that one that is down (or black-holes the network
// until ctx ends) does not keep the others from being cleaned. Best effort:
// what a sink keeps is an incomplete directory without a manifest, which no
// command reads and prune removes; so does a copy that completed on one sink
// while the object failed on another and could not be taken back.
func (d *dumper) removeStored(ctx context.Context) {
	d.mu.Lock()
	keys := d.stored
	d.mu.Unlock()
	members := sinks.Members(d.o.Sink)
	failed := make([]int, len(members))
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for i, s := range members {
		wg.Go(func() {
			for _, k := range keys {
				if err := s.Delete(ctx, d.dir+k); err != nil {
					failed[i]++
					errs[i] = err
				}
			}
		})
	}
	wg.Wait()
	anyFailed := false
	for i, s := range members {
		if failed[i] > 0 {
			anyFailed = true
			d.o.Logger.WarnContext(ctx, "could not remove every object of the failed snapshot from a sink; they are an incomplete directory "+
				"without a manifest, invisible to every command, which 'pilotlight snapshot prune' removes",
				slog.String("sink", s.String()), slog.String("dir", d.dir), slog.Int("objects", failed[i]), slog.Any("error", errs[i]))
		}
	}
	if anyFailed {
		return
	}
	d.o.Logger.InfoContext(ctx, "removed what the failed snapshot had stored; a sink that failed may still hold objects under its "+
		"directory, without a manifest, invisible to every command, which 'pilotlight snapshot prune' removes",
		slog.String("dir", d.dir), slog.Int("objects", len(keys)))
}

// run writes every schema object and every chunk, filling m.Schemas.
func (d *dumper) run(ctx context.Context, conns []*sql.Conn, schemas []string, tables []*tableInfo, m *Manifest) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	byTable := map[*tableInfo]*Table{}
	bySchema := map[string][]*tableInfo{}
	for _, t := range tables {
		bySchema[t.schema] = append(bySchema[t.schema], t)
	}
	jobs := make(chan chunkJob, len(conns))
	results := make(chan chunkResult, len(conns))
	var wg sync.WaitGroup
	for _, c := range conns {
		w, err := newObjectWriter(d.o.Sink, d.dir, d.o.Seal, d.o.StallTimeout)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.work(ctx, c, w, jobs, results, cancel)
		}()
	}

	planErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		planErr <- d.plan(ctx, schemas, bySchema, tables, m, byTable, jobs)
	}()
	go func() { wg.Wait(); close(results) }()
	for r := range results {
		t := byTable[r.job.table]
		if r.create != nil {
			t.Create = *r.create
		}
		t.Chunks = append(t.Chunks, r.chunk)
		t.Rows += r.chunk.Rows
	}
	if err := <-planErr; err != nil {
		cancel(err)
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, t := range byTable {
		sort.Slice(t.Chunks, func(i, j int) bool { return t.Chunks[i].Key < t.Chunks[j].Key })
	}
	return nil
}

type chunkResult struct {
	job    chunkJob
	create *File // the table's CREATE TABLE, with its first chunk
	chunk  Chunk
}

// plan lays out m.Schemas, then, at once, writes each database's CREATE
// DATABASE and objects (on a writer of its own) and sends every chunk job,
// largest tables first: they are the long poles. The workers write each
// table's CREATE TABLE with its first chunk, so schema objects are written
// in parallel with the rows however many tables there are.
func (d *dumper) plan(ctx context.Context, schemas []string, bySchema map[string][]*tableInfo, tables []*tableInfo,
	m *Manifest, byTable map[*tableInfo]*Table, jobs chan<- chunkJob) error {
	m.Schemas = make([]Schema, len(schemas))
	for i, s := range schemas {
		m.Schemas[i].Name = s
		for _, t := range bySchema[s] {
			m.Schemas[i].Tables = append(m.Schemas[i].Tables, Table{Name: t.name, Key: keyNames(t), Chunks: []Chunk{}})
		}
		for j, t := range bySchema[s] {
			byTable[t] = &m.Schemas[i].Tables[j]
		}
	}
	schemaErr := make(chan error, 1)
	go func() { schemaErr <- d.writeSchemas(ctx, m, bySchema) }()

	order := append([]*tableInfo(nil), tables...)
	sort.SliceStable(order, func(i, j int) bool { return order[i].dataLength > order[j].dataLength })
	var err error
	for _, t := range order {
		err = planChunks(ctx, d.db, t, d.o.ChunkSize, func(j chunkJob) error {
			select {
			case jobs <- j:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		})
		if err != nil {
			break
		}
	}
	return errors.Join(err, <-schemaErr)
}

// writeSchemas writes every database's CREATE DATABASE and objects into m.
func (d *dumper) writeSchemas(ctx context.Context, m *Manifest, bySchema map[string][]*tableInfo) error {
	w, err := newObjectWriter(d.o.Sink, d.dir, d.o.Seal, d.o.StallTimeout)
	if err != nil {
		return err
	}
	for i := range m.Schemas {
		sch := &m.Schemas[i]
		s := sch.Name
		f, err := d.store(ctx, w, SchemaKey(s, d.enc), func(b *bufio.Writer) error { return writeCreateDatabase(ctx, d.db, s, b) })
		if err != nil {
			return err
		}
		sch.Create = f
		names := map[string]bool{}
		for _, t := range bySchema[s] {
			names[t.name] = true
		}
		objs, err := listObjects(ctx, d.db, s, d.o.Filter, names)
		if err != nil {
			return err
		}
		if len(objs) > 0 {
			f, err := d.store(ctx, w, ObjectsKey(s, d.enc), func(b *bufio.Writer) error { return writeObjects(ctx, d.db, s, objs, b) })
			if err != nil {
				return err
			}
			sch.Objects = &f
		}
	}
	return nil
}

func keyNames(t *tableInfo) []string {
	var out []string
	for _, c := range t.key {
		out = append(out, c.name)
	}
	return out
}

// store writes one object and remembers it for the clean-up.
func (d *dumper) store(ctx context.Context, w *objectWriter, key string, fill func(*bufio.Writer) error) (File, error) {
	f, err := w.write(ctx, key, fill)
	if err != nil {
		return File{}, err
	}
	d.note(key)
	d.o.Progress.addStored(f.Bytes)
	return f, nil
}

// work dumps jobs on one snapshot session until jobs is closed or the
// snapshot fails.
func (d *dumper) work(ctx context.Context, c *sql.Conn, w *objectWriter, jobs <-chan chunkJob, results chan<- chunkResult, fail context.CancelCauseFunc) {
	for j := range jobs {
		if ctx.Err() != nil {
			continue // drain
		}
		var create *File
		if j.n == 1 {
			f, err := d.store(ctx, w, TableKey(j.table.schema, j.table.name, d.enc), func(b *bufio.Writer) error { return writeCreateTable(j.table, b) })
			if err != nil {
				fail(fmt.Errorf("schema of %s: %w", j.table.qualified(), err))
				continue
			}
			create = &f
		}
		var rows int64
		var digest string
		f, err := d.store(ctx, w, ChunkKey(j.table.schema, j.table.name, j.n, d.enc), func(b *bufio.Writer) error {
			var err error
			rows, digest, err = dumpChunk(ctx, c, j, b, d.o.Progress.addRows)
			return err
		})
		if err != nil {
			fail(fmt.Errorf("chunk %d of %s: %w", j.n, j.table.qualified(), err))
			continue
		}
		d.o.Progress.chunkDone(j)
		results <- chunkResult{job: j, create: create, chunk: Chunk{File: f, Rows: rows, From: j.from, To: j.to, Digest: digest}}
	}
}

// explainRead turns the errors a long snapshot read meets into advice.
func explainRead(err error) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1412 {
		return fmt.Errorf("%w (a DDL statement changed the table during the snapshot; run the snapshot when no schema change is running)", err)
	}
	return err
}
