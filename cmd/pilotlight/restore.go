package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/binlog"
	"github.com/pilotlight-dr/pilotlight/internal/config"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/progress"
	"github.com/pilotlight-dr/pilotlight/internal/redact"
	"github.com/pilotlight-dr/pilotlight/restore"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

// restoreFlags are pilotlight restore's options.
type restoreFlags struct {
	from, id, target, keyFile, gtid, stream string
	threads                                 int
	include, exclude                        []string
	dryRun, replace, verify, enableEvents   bool
	deferIndexes                            bool
}

func (a *app) restoreCmd() *cobra.Command {
	var f restoreFlags
	c := &cobra.Command{
		Use:   "restore --from URL --target mysql://... [--snapshot ID|latest]",
		Short: "Load a snapshot into a server: parallel, resumable, verified",
		Long: `Loads a snapshot from any sink into the target server: each database's
CREATE DATABASE and its tables' CREATE TABLE first, then the rows on --threads
sessions at once (largest tables first), then the plain secondary indexes
(--defer-indexes, on by default: added in one pass once a table's rows are in),
then views, routines, triggers and events, after every row, so that no trigger
fires during the load. --include/--exclude choose tables (db.table shell
patterns); with them, views, routines, triggers and events are left out.

Each chunk of rows commits in one target transaction together with a progress
row in the target's pilotlight schema (pilotlight.restore_chunk), after its
SHA-256 and row count matched the manifest: a damaged chunk is named and
nothing of it is committed. An interrupted restore (kill, target restart, a
sink failing) run again with the same arguments goes on where it stopped and
never loads a chunk twice; a restore that already completed says so, verifies
and exits 0.

Before it writes anything, restore checks that the target answers and that
none of the snapshot's databases holds tables or routines there (an empty
database is fine); --replace-databases drops those databases first (only
those, and it says so).

--verify (on by default) counts every restored table's rows against the
manifest at the end and, for snapshots that record them (format 2), compares
each chunk's rows with the digest the snapshot recorded; a difference names
the table and the chunk and exits 1.

--gtid says what the target learns of the snapshot's GTID position:
  none        nothing (a plain copy); its events are disabled unless
              --enable-events
  checkpoint  the target becomes a pilotlight standby: the checkpoint of
              --stream is set to the snapshot's GTID set (under the stream's
              lease, above any token stored), and its triggers and events are
              held as on every standby; pilotlight replicate --standby TARGET
              then continues from exactly the snapshot point

--dry-run prints the plan (databases, tables, rows, bytes, chunks, threads,
GTIDs, triggers and events) and changes nothing.`,
		Example: `  pilotlight restore --from s3://dr-backups/orders?region=eu-west-1 --target "mysql://admin:${PW}@10.1.2.3:3306/"
  pilotlight restore --from file:///var/backups/pilotlight --snapshot 20261201T104128Z-3f9a1c2e \
      --target mysql://root@127.0.0.1:3307/ --threads 8 --include 'shop.*' --dry-run
  pilotlight restore --from gs://dr-eu/orders --target "mysql://applier:${PW}@standby:3306/" --gtid checkpoint --stream orders`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.restore(cmd.Context(), f) },
	}
	storageFlags(c.Flags())
	fs := c.Flags()
	fs.StringVar(&f.from, "from", "", "sink URL the snapshot is on (file://, s3://, gs://, azblob://)")
	fs.StringVar(&f.id, "snapshot", snapshot.Latest, "snapshot id, a unique prefix of one, or latest (the newest with a good manifest)")
	fs.StringVar(&f.target, "target", "", "the server to load into: mysql://user:password@host:3306/")
	fs.IntVar(&f.threads, "threads", 4, "sessions loading rows at once")
	fs.StringArrayVar(&f.include, "include", nil, "only tables matching this db.table shell pattern (repeatable)")
	fs.StringArrayVar(&f.exclude, "exclude", nil, "leave out tables matching this db.table shell pattern (repeatable)")
	fs.StringVar(&f.keyFile, "encrypt-key-file", "", "key of an encrypted snapshot (default: the config's snapshot.encrypt_key_file)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the plan and change nothing")
	fs.BoolVar(&f.replace, "replace-databases", false, "drop the snapshot's databases on the target first when they hold tables")
	fs.BoolVar(&f.verify, "verify", true, "compare every restored table with the manifest at the end: row counts and each chunk's digest")
	fs.BoolVar(&f.deferIndexes, "defer-indexes", true, "create tables without their plain secondary indexes and add them after the rows (faster on large tables)")
	fs.StringVar(&f.gtid, "gtid", "none", "what the target learns of the snapshot's GTID set: none or checkpoint")
	fs.StringVar(&f.stream, "stream", config.DefaultStream, "with --gtid checkpoint: the replicate stream whose checkpoint to set")
	fs.BoolVar(&f.enableEvents, "enable-events", false, "with --gtid none: leave the snapshot's events enabled")
	return c
}

// restore runs pilotlight restore.
func (a *app) restore(ctx context.Context, f restoreFlags) error {
	switch {
	case f.from == "":
		return usagef("--from is required: the sink URL the snapshot is on")
	case f.target == "" && !f.dryRun:
		return usagef("--target is required: the server to load into (mysql://user:password@host:3306/)")
	case f.threads < 1 || f.threads > 64:
		return usagef("--threads %d: want 1 to 64", f.threads)
	case f.gtid != "none" && f.gtid != "checkpoint":
		return usagef("--gtid %q: want none or checkpoint", f.gtid)
	}
	a.secrets = append(a.secrets, redact.Secrets(f.target)...)
	for _, p := range append(append([]string(nil), f.include...), f.exclude...) {
		if err := config.CheckTablePattern(p); err != nil {
			return usagef("table pattern %q %v", p, err)
		}
	}
	key, err := a.loadKeyFlag(f.keyFile)
	if err != nil {
		return err
	}
	s, m, err := a.loadSnapshot(ctx, f.from, f.id, key, true)
	if err != nil {
		return err
	}
	defer s.Close()
	sel, err := m.Select(f.include, f.exclude)
	var unmatched *snapshot.UnmatchedPatternError
	if errors.As(err, &unmatched) {
		return usagef("--include %v", unmatched)
	}
	if err != nil {
		return err
	}
	if f.dryRun {
		return a.printRestorePlan(m, sel, f)
	}
	a.quietDriver()
	db, srv, _, err := statusEndpoint(ctx, "target", f.target)
	if err != nil {
		return err
	}
	defer db.Close()
	if string(srv.Flavor) != m.Source.Flavor {
		a.log.Warn("the target's flavor differs from the snapshot's source", "target", srv.Flavor, "source", m.Source.Flavor)
	}
	var rows, chunks atomic.Int64
	total, totalChunks := sel.Rows(), int64(0)
	for _, sc := range sel.Schemas {
		for _, t := range sc.Tables {
			totalChunks += int64(len(t.Chunks))
		}
	}
	start := time.Now()
	rep := progress.Loop(ctx, a.err, func(ctx context.Context, tty bool) {
		n := rows.Load()
		rate := progress.Rate(n, time.Since(start))
		if tty {
			fmt.Fprintf(a.err, "\rrestore %s: %d/%d rows, %d/%d chunks, %.0f rows/s   ", m.ID, n, total, chunks.Load(), totalChunks, rate)
			return
		}
		a.log.InfoContext(ctx, "progress", "snapshot", m.ID, "rows", n, "of_rows", total, "chunks", chunks.Load(),
			"of_chunks", totalChunks, "rows_per_second", int64(rate))
	})
	opt := restore.Options{Threads: f.threads, Include: f.include, Exclude: f.exclude, DeferIndexes: f.deferIndexes, ReplaceDatabases: f.replace, Verify: f.verify, Key: key,
		Logger: a.log, Progress: func(r, _ int64) { rows.Add(r); chunks.Add(1) },
		Events: restoreEvents(f), AfterLoad: a.restoreAfterLoad(f, m)}
	r, err := restore.Run(ctx, s, m, db, opt)
	rep.Stop()
	if err != nil {
		return fmt.Errorf("restore of snapshot %s: %w", m.ID, err)
	}
	a.printRestoreReport(r, f)
	return nil
}

// restoreEvents is how --gtid and --enable-events want the events created.
func restoreEvents(f restoreFlags) restore.EventMode {
	switch {
	case f.gtid == "checkpoint":
		return restore.EventsHeld
	case f.enableEvents:
		return restore.EventsAsIs
	}
	return restore.EventsDisabled
}

// restoreAfterLoad is what --gtid checkpoint does once every row and object is
// in: hold the triggers, set the checkpoint.
func (a *app) restoreAfterLoad(f restoreFlags, m *snapshot.Manifest) func(context.Context, *sql.DB) error {
	return func(ctx context.Context, db *sql.DB) error {
		flavor := mysqlx.Flavor(m.Source.Flavor)
		if f.gtid != "checkpoint" {
			return nil
		}
		if _, err := binlog.HoldStandby(ctx, db, flavor, nil, a.log); err != nil { // only the restored objects exist
			return err
		}
		gtids, err := mysqlx.Parse(flavor, m.GTIDSet)
		if err != nil {
			return fmt.Errorf("the snapshot's GTID set %q: %w", m.GTIDSet, err)
		}
		r := a.cfg.Replication
		r.Standby, r.Stream = f.target, f.stream
		store, err := binlog.NewCheckpointStore(db, f.stream, flavor)
		if err != nil {
			return err
		}
		if err := store.Ensure(ctx); err != nil {
			return fmt.Errorf("target: %w", err)
		}
		lease, err := a.checkpointLease(ctx, &checkpointTarget{r: r, stb: db, store: store})
		if err != nil {
			return err
		}
		defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()
		if err := store.Set(ctx, gtids, lease.Token()); err != nil {
			return fmt.Errorf("target: %w", err)
		}
		a.log.InfoContext(ctx, "checkpoint set to the snapshot's GTID set: replicate continues from it",
			"stream", f.stream, "gtid_set", m.GTIDSet)
		return nil
	}
}

// printRestorePlan is --dry-run's output.
func (a *app) printRestorePlan(m *snapshot.Manifest, sel snapshot.Selection, f restoreFlags) error {
	tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "snapshot\t%s of %s (%s %s), taken %s\n", m.ID, m.Source.Host, m.Source.Flavor, m.Source.Version,
		m.Started.Format(time.RFC3339))
	var tables, chunks int
	var bytes int64
	for _, sc := range sel.Schemas {
		for _, t := range sc.Tables {
			tables++
			chunks += len(t.Chunks)
			bytes += tableBytes(t)
			fmt.Fprintf(tw, "  %s.%s\t%d rows\t%d chunks\t%s\n", sc.Name, t.Name, t.Rows, len(t.Chunks), progress.Bytes(tableBytes(t)))
		}
	}
	fmt.Fprintf(tw, "total\t%d databases, %d tables, %d rows, %d chunks, %s of SQL, %d threads\n", len(sel.Schemas), tables,
		sel.Rows(), chunks, progress.Bytes(bytes), f.threads)
	if sel.Filtered {
		fmt.Fprintf(tw, "objects\tviews, routines, triggers and events are left out: --include/--exclude leave tables out\n")
	}
	switch f.gtid {
	case "checkpoint":
		fmt.Fprintf(tw, "gtids\tthe checkpoint of stream %s is set to %q; triggers and events are held (a standby)\n", f.stream, m.GTIDSet)
	default:
		ev := "created disabled"
		if f.enableEvents {
			ev = "created as on the primary"
		}
		fmt.Fprintf(tw, "gtids\tnot recorded (the snapshot's set is %q); triggers installed after the rows, events %s\n", m.GTIDSet, ev)
	}
	fmt.Fprintf(tw, "verify\t%v\n", f.verify)
	fmt.Fprintf(tw, "dry run\tnothing was changed\n")
	return tw.Flush()
}

func tableBytes(t snapshot.Table) int64 {
	var n int64
	for _, c := range t.Chunks {
		n += c.RawBytes
	}
	return n
}

// printRestoreReport is the summary at the end.
func (a *app) printRestoreReport(r restore.Report, f restoreFlags) {
	if r.AlreadyDone {
		fmt.Fprintf(a.out, "snapshot %s was restored here completely before; ", r.Snapshot)
	} else {
		fmt.Fprintf(a.out, "restored snapshot %s: %d databases, %d tables, %d rows in %d chunks (%s read) in %s",
			r.Snapshot, r.Databases, r.Tables, r.Rows, r.Chunks, progress.Bytes(r.Bytes), r.Elapsed.Round(time.Millisecond))
		if r.ChunksBefore > 0 {
			fmt.Fprintf(a.out, " (%d chunks were loaded by an earlier run)", r.ChunksBefore)
		}
		fmt.Fprint(a.out, "; ")
	}
	content := len(r.VerifyResults) > 0
	for _, c := range r.VerifyResults {
		content = content && c.Content
	}
	switch {
	case r.Verified && content:
		fmt.Fprintf(a.out, "verified: every table's rows match the manifest, counted and compared chunk by chunk (%d tables)\n",
			len(r.VerifyResults))
	case r.Verified:
		fmt.Fprintf(a.out, "verified: every table's row count matches the manifest (%d tables)\n", len(r.VerifyResults))
	default:
		fmt.Fprintln(a.out, "not verified (--verify=false)")
	}
	if f.gtid == "checkpoint" {
		fmt.Fprintf(a.out, "next: pilotlight replicate --standby TARGET --stream %s continues from the snapshot's GTID set\n", f.stream)
	}
}
