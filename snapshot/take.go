package snapshot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/sinks"
)

// Options configure one snapshot.
type Options struct {
	Sink        sinks.Sink // one sink, or sinks.Fanout of several
	Threads     int        // parallel workers (sessions); default 4
	ChunkSize   int64      // target SQL bytes per chunk; default 64 MiB
	Filter      Filter     // nil: every user table
	Consistency string     // auto (default) or a Method constant
	Stream      string     // standby-checkpoint: the stream to read; "" picks the only one
	LockTimeout time.Duration
	// StallTimeout fails the snapshot when a sink takes no data for this
	// long; 0 means DefaultStallTimeout.
	StallTimeout time.Duration
	Seal         Sealer  // nil: no encryption
	Crypto       *Crypto // recorded when Seal is set
	Tool         string  // "pilotlight v1.2.3"
	Host         string  // the source's host:port, for the manifest
	Logger       *slog.Logger
	Progress     *Progress // counters for a progress display; may be nil
	Now          func() time.Time
}

// Defaults.
const (
	DefaultThreads   = 4
	DefaultChunkSize = 64 << 20
)

// Take snapshots the server behind db into o.Sink and returns the manifest,
// which it writes last. When it fails, it removes what it had stored and no
// manifest exists, so the snapshot does not exist for any reader.
func Take(ctx context.Context, db *sql.DB, o Options) (*Manifest, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Threads <= 0 {
		o.Threads = DefaultThreads
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = DefaultChunkSize
	}
	if o.Progress == nil {
		o.Progress = &Progress{}
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = DefaultStallTimeout
	}
	started := o.Now().UTC()
	m := &Manifest{FormatVersion: FormatVersion, ID: NewID(started), Tool: o.Tool, Started: started,
		Threads: o.Threads, Compression: "zstd"}
	if o.Seal != nil {
		m.Encryption = o.Crypto
	}
	srv, err := mysqlx.DetectFlavor(ctx, db)
	if err != nil {
		return nil, err
	}
	m.Source = Source{Flavor: string(srv.Flavor), Version: srv.Version, ServerUUID: srv.ServerUUID, ServerID: srv.ServerID, Host: o.Host}

	schemas, tables, err := discover(ctx, db, o.Filter)
	if err != nil {
		return nil, err
	}
	if len(schemas) == 0 {
		return nil, errors.New("nothing to snapshot: no user database matches (check --include and --exclude)")
	}
	o.Progress.start(tables)
	if err := readCreateTables(ctx, db, tables); err != nil {
		return nil, err
	}

	conns, pos, err := establish(ctx, db, srv, &o, o.Threads)
	if err != nil {
		return nil, err
	}
	defer closeAll(conns)
	m.Consistency, m.GTIDSet, m.BinlogFile, m.BinlogPos, m.Stream = pos.method, pos.gtidSet, pos.binlogFile, pos.binlogPos, pos.stream
	o.Logger.InfoContext(ctx, "snapshot point established", slog.String("id", m.ID), slog.String("method", pos.method),
		slog.String("gtid_set", pos.gtidSet), slog.Int("threads", len(conns)), slog.Int("tables", len(tables)))

	d := &dumper{o: &o, db: db, dir: Dir(m.ID), enc: m.Encryption != nil}
	err = d.run(ctx, conns, schemas, tables, m)
	if err == nil {
		err = checkSchemaUnchanged(ctx, db, tables)
	}
	if err != nil {
		d.cleanUp(ctx)
		return nil, err
	}
	m.Finished = o.Now().UTC()
	data, err := m.Marshal()
	if err != nil {
		d.cleanUp(ctx)
		return nil, err
	}
	mctx, cancel := context.WithTimeout(ctx, o.StallTimeout)
	_, err = o.Sink.Put(mctx, ManifestKey(m.ID), bytesReader(data))
	cancel()
	if err != nil {
		d.cleanUp(ctx)
		return nil, fmt.Errorf("write the manifest (the snapshot is not complete without it): %w", err)
	}
	return m, nil
}
