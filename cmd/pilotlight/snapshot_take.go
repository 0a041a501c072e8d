package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/internal/config"
	"github.com/pilotlight-dr/pilotlight/internal/coord"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/progress"
	"github.com/pilotlight-dr/pilotlight/internal/seal"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

func (a *app) snapshotTakeCmd() *cobra.Command {
	var wait, asJSON bool
	c := &cobra.Command{
		Use:   "snapshot --source URL --to URL [--to URL...]",
		Short: "Take a consistent snapshot to S3, GCS, Azure Blob and local disk at once",
		Long: `Takes one consistent read of every user database (system schemas and the
pilotlight schema excluded; narrow it with --include and --exclude) and
streams it, cut into key ranges of about --chunk-size, each compressed with
zstd and checksummed with SHA-256, to every --to sink at once. The snapshot's
exact GTID set (and binlog file and position) is recorded in manifest.json,
written last on every sink: a snapshot without a manifest does not exist, and
a failed run leaves none anywhere. A file:// directory that does not exist is
created (mkdir -p, mode 0750); a sink named twice, in any spelling, is refused
before anything starts.

Every object is plain SQL once decompressed: the stock client loads it
(zstd -d < chunk.sql.zst | mariadb), with no GTID_PURGED, no SQL_LOG_BIN and
no DEFINER clauses to break a load on a managed server.

Consistency (--consistency auto picks the first that applies):
  standby-checkpoint          the source is a standby fed by pilotlight replicate:
                              every worker reads the stream's checkpoint inside
                              its snapshot; no lock (on a very busy standby, a
                              shared lock on the checkpoint row for milliseconds)
  lock-free-binlog-snapshot   MariaDB: every worker's consistent snapshot reports
                              the same binlog position (binlog_snapshot_file),
                              mapped to GTIDs with BINLOG_GTID_POS; no lock, no
                              RELOAD privilege (works on RDS and Azure); on a very
                              busy primary it falls back to the brief lock below
  flush-tables-read-lock      FLUSH TABLES WITH READ LOCK only while the worker
                              transactions open (milliseconds); needs RELOAD; its
                              wait behind long queries is bounded by --lock-timeout

Layout on each sink: snapshots/<UTC time>-<id>/manifest.json and one object
per schema, table and chunk (see 'pilotlight snapshot show').

Only one snapshot of a server runs at a time (a lock file in the state
directory, keyed on the server's identity: MySQL's server_uuid, MariaDB's
hostname, port, server_id and datadir, so 127.0.0.1 and localhost are one
server): an overlapping run exits at once with code 75, or waits with --wait.

Source privileges: SELECT, SHOW VIEW, TRIGGER, EVENT, SHOW CREATE ROUTINE (or
SELECT on mysql.proc), BINLOG MONITOR or REPLICATION CLIENT; RELOAD only for
flush-tables-read-lock; SELECT on pilotlight.* on a standby.

Exit codes: 0 done, 1 failed (no snapshot exists), 2 usage, 75 another
snapshot of this source is running, 130 interrupted.`,
		Example: `  # nightly, from the standby, to two clouds at once
  pilotlight snapshot --source mysql://snap:${PW}@standby:3306/ \
      --to s3://dr-backups/orders?region=eu-west-1 --to gs://dr-backups-eu/orders

  # one database, encrypted, 8 readers
  pilotlight snapshot --config /etc/pilotlight/pilotlight.yaml --include 'shop.*' \
      --threads 8 --encrypt-key-file /etc/pilotlight/snapshot.key`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{"flags": "snapshot"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.takeSnapshot(cmd.Context(), wait, asJSON)
		},
	}
	fs := c.Flags()
	storageFlags(fs)
	snapshotFlags(fs)
	fs.BoolVar(&wait, "wait", false, "when another snapshot of this source is running, wait for it instead of exiting with code 75")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON (id, time, gtid_set, bytes, ...) on stdout")
	return c
}

// snapshotReadBuffer is each reader session's socket buffer.
const snapshotReadBuffer = 256 << 10

// busyError: another snapshot of the source holds the lock (exit 75).
type busyError struct{ err error }

func (b busyError) Error() string { return b.err.Error() }
func (b busyError) Unwrap() error { return b.err }

func (a *app) takeSnapshot(ctx context.Context, wait, asJSON bool) error {
	s := a.cfg.Snapshot
	a.secrets = append(a.secrets, s.Secrets()...)
	if err := config.ValidateSnapshot(s, a.cfg.Storage.Sinks); err != nil {
		return usageError{err}
	}
	filter, err := newTableFilter(s.Include, s.Exclude)
	if err != nil {
		return err
	}
	to := s.To
	if len(to) == 0 {
		to = a.cfg.Storage.Sinks
	}
	ep, err := mysqlx.ParseURL(s.Source)
	if err != nil {
		return usageError{err}
	}
	o := snapshot.Options{Threads: s.Threads, ChunkSize: int64(s.ChunkSize), Consistency: s.Consistency, Stream: s.Stream,
		LockTimeout: s.LockTimeout, StallTimeout: s.StallTimeout, Tool: "pilotlight " + version, Host: ep.Addr(), Logger: a.log, Progress: &snapshot.Progress{},
		Filter: func(db, t string) bool { return filter.Match(db, t) }}
	if s.EncryptKeyFile != "" {
		k, err := seal.LoadKeyFile(s.EncryptKeyFile)
		if err != nil {
			return err
		}
		if w := k.Warning(); w != "" {
			a.log.Warn(w)
		}
		o.Seal = func(w io.Writer) (io.WriteCloser, error) { return seal.NewWriter(w, k) }
		o.Crypto = &snapshot.Crypto{Algorithm: seal.Algorithm, KeyID: k.ID()}
	}

	db, err := ep.OpenBulk(ctx, snapshotReadBuffer)
	if err != nil {
		return err
	}
	defer db.Close()
	// The lock is keyed on what the server says it is, not on how this run
	// spelled its address: 127.0.0.1 and localhost are one server.
	id, err := mysqlx.ReadIdentity(ctx, db)
	if err != nil {
		return fmt.Errorf("%s: %w", ep, err)
	}
	lease, err := a.snapshotLock(ctx, s, ep.Addr(), id, wait)
	if err != nil {
		return err
	}
	defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()

	sink, err := a.openSnapshotSinks(ctx, to, s.Threads)
	if err != nil {
		return err
	}
	defer sink.Close()
	o.Sink = sink

	start := time.Now()
	stop := a.snapshotProgress(ctx, o.Progress, start)
	m, err := snapshot.Take(ctx, db, o)
	stop()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("snapshot failed, so no manifest was written and no snapshot exists: %w", err)
	}
	return a.reportSnapshot(m, sink.String(), time.Since(start), asJSON)
}

// snapshotLock takes the lock of the server id (reached at addr), or
// reports who holds it.
func (a *app) snapshotLock(ctx context.Context, s config.Snapshot, addr string, id mysqlx.Identity, wait bool) (coord.Lease, error) {
	dir := s.LockDir
	if dir == "" {
		dir = a.cfg.Replication.LeaseDirOrDefault(a.lookup)
	}
	c, err := coord.NewFile(dir)
	if err != nil {
		return nil, err
	}
	name := snapshot.LockName(id)
	l, err := c.Acquire(ctx, name, false)
	var held *coord.HeldError
	if !errors.As(err, &held) {
		return l, err
	}
	if !wait {
		return nil, busyError{fmt.Errorf("another snapshot of %s is running (server %s, however the other run named it; %s; lock %s in %s): "+
			"this run did nothing; pass --wait to wait for it", addr, id, held.Holder, name, dir)}
	}
	a.log.Warn("another snapshot of this source is running; waiting for it", slog.String("source", addr),
		slog.String("server", id.String()), slog.String("holder", held.Holder.String()))
	return c.Acquire(ctx, name, true)
}

// snapshotResult is what --json prints.
type snapshotResult struct {
	ID          string    `json:"id"`
	Time        time.Time `json:"time"`
	GTIDSet     string    `json:"gtid_set"`
	BinlogFile  string    `json:"binlog_file,omitempty"`
	BinlogPos   uint64    `json:"binlog_pos,omitempty"`
	Consistency string    `json:"consistency"`
	Tables      int       `json:"tables"`
	Rows        int64     `json:"rows"`
	Bytes       int64     `json:"bytes"`
	RawBytes    int64     `json:"raw_bytes"`
	Seconds     float64   `json:"seconds"`
	Sinks       string    `json:"sinks"`
	Encrypted   bool      `json:"encrypted"`
}

func (a *app) reportSnapshot(m *snapshot.Manifest, sinks string, took time.Duration, asJSON bool) error {
	stored, raw := m.Bytes()
	tables := 0
	for _, s := range m.Schemas {
		tables += len(s.Tables)
	}
	r := snapshotResult{ID: m.ID, Time: m.Started, GTIDSet: m.GTIDSet, BinlogFile: m.BinlogFile, BinlogPos: m.BinlogPos,
		Consistency: m.Consistency, Tables: tables, Rows: m.Rows(), Bytes: stored, RawBytes: raw, Seconds: took.Seconds(),
		Sinks: sinks, Encrypted: m.Encryption != nil}
	a.log.Info("snapshot complete", slog.String("id", r.ID), slog.String("gtid_set", r.GTIDSet), slog.String("consistency", r.Consistency),
		slog.Int("tables", r.Tables), slog.Int64("rows", r.Rows), slog.Int64("raw_bytes", raw), slog.Int64("bytes", stored),
		slog.Duration("took", took))
	if asJSON {
		enc := json.NewEncoder(a.out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(a.out, "snapshot %s complete in %s\n  gtid_set     %s\n  consistency  %s\n  tables       %d (%d rows)\n  size         %s of SQL, %s stored (%.1fx)\n  throughput   %s/s\n  sinks        %s\n",
		r.ID, took.Round(time.Millisecond), gtidOrNone(r.GTIDSet), r.Consistency, r.Tables, r.Rows, progress.Bytes(raw), progress.Bytes(stored),
		float64(raw)/float64(max(1, stored)), progress.Bytes(int64(progress.Rate(raw, took))), sinks)
	return nil
}

func gtidOrNone(s string) string {
	if s == "" {
		return "(none: the source has written no GTID yet)"
	}
	return s
}
