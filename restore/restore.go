// Package restore loads a pilotlight snapshot into a MySQL or MariaDB server:
// databases and tables first, then the rows in parallel, one target
// transaction per chunk committed together with a progress row (a rerun
// resumes and never loads a chunk twice), then views, routines, triggers and
// events, and finally a verification of every table against the manifest.
package restore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/seal"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

// Errors at the package boundary.
var (
	// ErrTargetNotEmpty: a database the snapshot would create holds tables or
	// routines on the target, and no restore of this snapshot was begun there.
	ErrTargetNotEmpty = errors.New("the target already holds tables in databases the snapshot restores")
	// ErrVerify: the restored data differs from the snapshot.
	ErrVerify = errors.New("the restored data differs from the snapshot")
	// ErrChunk: a chunk's content did not load as the manifest says.
	ErrChunk = errors.New("a snapshot chunk did not load as its manifest says")
)

// Options say what to restore and how.
type Options struct {
	// Threads is the number of sessions loading chunks at once (default 4).
	Threads int
	// Include and Exclude choose tables by db.table shell patterns
	// (snapshot.Manifest.Select): none, the whole snapshot. Views, routines,
	// triggers and events are restored only with the whole snapshot, since
	// they may name tables left out.
	Include, Exclude []string
	// ReplaceDatabases drops the snapshot's databases on the target first when
	// they exist (only when no restore of this snapshot was begun there).
	ReplaceDatabases bool
	// Verify compares every restored table with the manifest at the end.
	Verify bool
	// DeferIndexes creates tables without their plain secondary keys and adds
	// them once the rows are in (faster on large tables).
	DeferIndexes bool
	// Events says how the snapshot's events are created.
	Events EventMode
	// Key decrypts an encrypted snapshot.
	Key *seal.Key
	// AfterLoad runs once every row and object is in, before the verification
	// and before the restore is marked complete (the GTID position, holding
	// triggers and events on a future standby). It must be idempotent: a rerun
	// after a failure runs it again.
	AfterLoad func(ctx context.Context, db *sql.DB) error
	Logger    *slog.Logger
	// Progress, when set, is called for each chunk loaded (rows, stored bytes),
	// from the loading goroutines at once.
	Progress func(rows, bytes int64)
}

// EventMode is how a restore creates the snapshot's events, which the
// snapshot holds as the primary has them.
type EventMode int

const (
	// EventsDisabled creates every event DISABLE: a copy must not run the
	// primary's scheduled jobs (the default).
	EventsDisabled EventMode = iota
	// EventsHeld creates the events enabled on the primary DISABLE ON SLAVE, as
	// on every pilotlight standby: promotion enables them.
	EventsHeld
	// EventsAsIs creates them as the primary has them.
	EventsAsIs
)

// Report is what a restore did.
type Report struct {
	Snapshot      string
	Databases     int
	Tables        int
	Chunks        int   // chunks loaded by this run
	ChunksBefore  int   // chunks an earlier run had loaded
	Rows          int64 // rows loaded by this run
	Bytes         int64 // stored bytes read by this run
	AlreadyDone   bool  // the snapshot had been restored completely before
	Verified      bool
	VerifyResults []TableCheck
	Elapsed       time.Duration
}

// Run restores snapshot m, read from s, into db. db must allow Threads+1
// connections.
func Run(ctx context.Context, s sinks.Sink, m *snapshot.Manifest, db *sql.DB, opt Options) (Report, error) {
	start := time.Now()
	opt = opt.withDefaults()
	sel, err := m.Select(opt.Include, opt.Exclude)
	if err != nil {
		return Report{Snapshot: m.ID}, err
	}
	p := newPlan(sel)
	rep := Report{Snapshot: m.ID, Databases: len(p.schemas), Tables: len(p.tables)}
	if err := snapshot.CheckKey(m, opt.Key); err != nil {
		return rep, err
	}
	phase, err := loadPhase(ctx, db, m.ID)
	if err != nil {
		return rep, err
	}
	switch phase {
	case phaseComplete:
		opt.Logger.InfoContext(ctx, "this snapshot was restored here completely before; verifying it", "snapshot", m.ID)
		rep.AlreadyDone = true
	case "":
		if err := checkTarget(ctx, db, p, opt); err != nil {
			return rep, err
		}
		if err := ensureProgress(ctx, db); err != nil {
			return rep, err
		}
		if err := setPhase(ctx, db, m.ID, phaseLoading); err != nil {
			return rep, err
		}
	default:
		opt.Logger.InfoContext(ctx, "resuming the restore of this snapshot begun here before", "snapshot", m.ID)
	}
	if !rep.AlreadyDone {
		if err := load(ctx, s, m, db, p, opt, &rep); err != nil {
			return rep, err
		}
		if opt.AfterLoad != nil {
			if err := opt.AfterLoad(ctx, db); err != nil {
				return rep, err
			}
		}
	}
	if opt.Verify {
		checks, err := verify(ctx, db, p, opt.Threads)
		rep.VerifyResults = checks
		if err != nil {
			return rep, err
		}
		rep.Verified = true
	}
	if !rep.AlreadyDone {
		if err := setPhase(ctx, db, m.ID, phaseComplete); err != nil {
			return rep, err
		}
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

func (o Options) withDefaults() Options {
	if o.Threads <= 0 {
		o.Threads = 4
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// plan is the part of a snapshot a restore loads.
type plan struct {
	schemas []planSchema
	tables  []planTable
}

type planSchema struct {
	name    string
	create  snapshot.File
	objects *snapshot.File // nil when there are none, or the selection leaves tables out
}

type planTable struct {
	schema string
	t      snapshot.Table
	bytes  int64
}

func newPlan(sel snapshot.Selection) *plan {
	p := &plan{}
	for _, s := range sel.Schemas {
		p.schemas = append(p.schemas, planSchema{name: s.Name, create: s.Create, objects: s.Objects})
		for _, t := range s.Tables {
			pt := planTable{schema: s.Name, t: t}
			for _, c := range t.Chunks {
				pt.bytes += c.RawBytes
			}
			p.tables = append(p.tables, pt)
		}
	}
	return p
}

// chunkJobs lists the chunks to load, largest tables first (so the last
// minutes are not one big table loading alone), each table's chunks in order.
func (p *plan) chunkJobs() []chunkJob {
	tables := append([]planTable(nil), p.tables...)
	sort.SliceStable(tables, func(i, j int) bool { return tables[i].bytes > tables[j].bytes })
	var jobs []chunkJob
	for _, t := range tables {
		for _, c := range t.t.Chunks {
			jobs = append(jobs, chunkJob{schema: t.schema, table: t.t.Name, chunk: c})
		}
	}
	return jobs
}

// chunkJob is one chunk to load.
type chunkJob struct {
	schema, table string
	chunk         snapshot.Chunk
}

func (j chunkJob) String() string {
	return fmt.Sprintf("chunk %s of %s.%s", j.chunk.Key, j.schema, j.table)
}
