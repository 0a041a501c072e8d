package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pilotlight-dr/pilotlight/internal/config"
	"github.com/pilotlight-dr/pilotlight/internal/progress"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

// snapshotFlags adds the snapshot settings (they override the config's
// snapshot section).
func snapshotFlags(fs *pflag.FlagSet) {
	d := config.Default().Snapshot
	fs.String("source", "", "server to snapshot, mysql://user:password@host:3306/ (config snapshot.source)")
	fs.StringArray("to", nil, "sink URL to write to (a missing file:// directory is created); repeat for several at once (config snapshot.to, default storage.sinks)")
	fs.Int("threads", d.Threads, "parallel reader sessions (config snapshot.threads)")
	chunk := d.ChunkSize
	fs.Var(&chunk, "chunk-size", "target size of one chunk of rows, as SQL (config snapshot.chunk_size)")
	fs.StringArray("include", nil, "snapshot only tables matching this db.table shell pattern, e.g. 'shop.*' (repeatable; config snapshot.include)")
	fs.StringArray("exclude", nil, "skip tables matching this db.table shell pattern; wins over --include (repeatable; config snapshot.exclude)")
	fs.String("consistency", d.Consistency, "auto, standby-checkpoint, lock-free-binlog-snapshot or flush-tables-read-lock (config snapshot.consistency)")
	fs.String("stream", "", "standby-checkpoint: the replicate stream whose checkpoint to read, when the standby holds several (config snapshot.stream)")
	fs.Duration("lock-timeout", d.LockTimeout, "longest wait of FLUSH TABLES WITH READ LOCK behind running statements (config snapshot.lock_timeout)")
	fs.Duration("stall-timeout", d.StallTimeout, "fail when a sink takes no data this long, e.g. behind a firewall that drops packets (config snapshot.stall_timeout)")
	fs.String("encrypt-key-file", "", "encrypt every object with this AES-256 key (32 bytes, hex or base64); the buckets hold only ciphertext (config snapshot.encrypt_key_file)")
}

// applySnapshotFlags copies every snapshot flag the user set over s.
func applySnapshotFlags(cmd *cobra.Command, s *config.Snapshot) error {
	fs := cmd.Flags()
	var err error
	set := func(name string, fn func() error) {
		if err == nil && fs.Changed(name) {
			err = fn()
		}
	}
	set("source", func() error { s.Source, err = fs.GetString("source"); return err })
	set("to", func() error { s.To, err = fs.GetStringArray("to"); return err })
	set("threads", func() error { s.Threads, err = fs.GetInt("threads"); return err })
	set("chunk-size", func() error {
		s.ChunkSize, err = config.ParseByteSize(fs.Lookup("chunk-size").Value.String())
		return err
	})
	set("include", func() error { s.Include, err = fs.GetStringArray("include"); return err })
	set("exclude", func() error { s.Exclude, err = fs.GetStringArray("exclude"); return err })
	set("consistency", func() error { s.Consistency, err = fs.GetString("consistency"); return err })
	set("stream", func() error { s.Stream, err = fs.GetString("stream"); return err })
	set("lock-timeout", func() error { s.LockTimeout, err = fs.GetDuration("lock-timeout"); return err })
	set("stall-timeout", func() error { s.StallTimeout, err = fs.GetDuration("stall-timeout"); return err })
	set("encrypt-key-file", func() error { s.EncryptKeyFile, err = fs.GetString("encrypt-key-file"); return err })
	if err != nil {
		return usageError{err}
	}
	return nil
}

// Snapshot upload buffers: every worker (and the schema writer) runs one
// upload per sink at a time, each holding up to two parts. The parts share
// snapshotUploadBudget, between S3's 5 MiB minimum and 32 MiB: a part at
// least as large as a compressed chunk lets S3 take the chunk in one PUT
// (a multipart stream costs MinIO and S3 a server-side copy to store its
// SHA-256), and a small one keeps many workers and sinks inside the budget.
const (
	snapshotUploadBudget = 128 << 20
	snapshotMinPart      = 5 << 20
	snapshotMaxPart      = 32 << 20
)

// snapshotPartSize is the part size for threads workers writing to sinks sinks.
func snapshotPartSize(threads, sinks int) int64 {
	part := int64(snapshotUploadBudget) / int64(2*(threads+1)*max(1, sinks))
	part &^= 1<<20 - 1 // whole MiB: GCS wants multiples of 256 KiB
	return min(max(part, snapshotMinPart), snapshotMaxPart)
}

// openSnapshotSinks opens every destination for a snapshot with threads
// workers: uploads run one part at a time each (the workers are the
// parallelism), and the soft memory limit covers every upload's buffers, so
// peak memory stays bounded whatever the database size. A file://
// destination that does not exist yet is created; a sink named twice is a
// usage error.
func (a *app) openSnapshotSinks(ctx context.Context, urls []string, threads int) (sinks.Sink, error) {
	part := snapshotPartSize(threads, len(urls))
	o := sinks.Options{Logger: a.log, PartSize: part, Concurrency: 1, Create: true}
	sink, err := sinks.OpenAll(ctx, urls, func(ctx context.Context, raw string) (sinks.Sink, error) {
		return a.openSinkWith(ctx, raw, o)
	})
	if errors.Is(err, sinks.ErrDuplicate) {
		return nil, usageError{fmt.Errorf("snapshot --to: %w", err)}
	}
	if err != nil {
		return nil, err
	}
	if v, ok := a.lookup("GOMEMLIMIT"); !ok || v == "" {
		puts := int64(threads + 1) // the workers and the schema writer
		debug.SetMemoryLimit(puts*int64(len(urls))*2*part + puts*4<<20 + 64<<20)
	}
	return sink, nil
}

// snapshotProgress shows tables, rows, bytes, throughput and ETA: a live
// line on a terminal, a log line every 15 s otherwise. The returned func
// stops it.
func (a *app) snapshotProgress(ctx context.Context, p *snapshot.Progress, start time.Time) func() {
	r := progress.Loop(ctx, a.err, func(ctx context.Context, tty bool) {
		s := p.Read()
		el := time.Since(start)
		eta := "?"
		if s.Rows > 0 && s.RowsEstimate > s.Rows {
			eta = (time.Duration(float64(el) * float64(s.RowsEstimate-s.Rows) / float64(s.Rows))).Round(time.Second).String()
		} else if s.Rows > 0 {
			eta = "soon"
		}
		if tty {
			fmt.Fprintf(a.err, "\rtables %d/%d  rows %d/~%d  %s SQL -> %s stored  %s/s  ETA %s   ", s.TablesDone, s.TablesTotal,
				s.Rows, s.RowsEstimate, progress.Bytes(s.RawBytes), progress.Bytes(s.StoredBytes),
				progress.Bytes(int64(progress.Rate(s.RawBytes, el))), eta)
			return
		}
		a.log.InfoContext(ctx, "snapshot progress", slog.Int64("tables_done", s.TablesDone), slog.Int64("tables", s.TablesTotal),
			slog.Int64("rows", s.Rows), slog.Int64("rows_estimate", s.RowsEstimate), slog.Int64("raw_bytes", s.RawBytes),
			slog.Int64("stored_bytes", s.StoredBytes), slog.String("eta", eta))
	})
	return r.Stop
}
