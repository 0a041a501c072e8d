package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/binlog"
	"github.com/pilotlight-dr/pilotlight/internal/config"
	"github.com/pilotlight-dr/pilotlight/internal/coord"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/redact"
)

// replicateSides are the two connected, preflighted servers.
type replicateSides struct {
	srcEP            mysqlx.Endpoint
	src, stb         *sql.DB // stb is configured by binlog.ApplierDriverConfig
	primary, standby mysqlx.Server
	serverID         uint32
}

func (s *replicateSides) close() {
	if s.src != nil {
		_ = s.src.Close()
	}
	if s.stb != nil {
		_ = s.stb.Close()
	}
}

// connectSides connects to both servers and runs the preflight checks:
// problems make one error listing them all, warnings are logged.
func (a *app) connectSides(ctx context.Context, r config.Replication, o replicateOpts) (_ *replicateSides, err error) {
	s := &replicateSides{serverID: o.serverIDFor(r.Stream)}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.srcEP, err = mysqlx.ParseURL(r.Source); err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	// The source's SQL connections run short statements (purged-binlog checks,
	// heartbeats): default timeouts make a black-holed primary an error in seconds,
	// which the supervisor retries, instead of a hang until the kernel gives up.
	srcSQL := s.srcEP.WithDefaultTimeouts(mysqlx.DefaultConnectTimeout, mysqlx.DefaultSourceReadTimeout,
		mysqlx.DefaultSourceWriteTimeout)
	if s.src, s.primary, _, err = openEndpoint(ctx, "source", srcSQL); err != nil {
		return nil, err
	}
	if s.stb, s.standby, err = openApplierEndpoint(ctx, r.Standby); err != nil {
		return nil, err
	}
	same, err := binlog.SameServer(ctx, s.src, s.stb)
	if err != nil {
		return nil, err
	}
	if same { // every other check would blame server ids, and its fix would change the primary
		return nil, fmt.Errorf("preflight found 1 problem, fix it and start again:\n%w",
			binlog.SameServerProblem(s.srcEP.String(), redact.URL(r.Standby)))
	}
	var rep binlog.Report
	src, err := binlog.CheckSource(ctx, s.src, s.primary, o.filter.Schemas()...)
	if err != nil {
		return nil, err
	}
	stb, err := binlog.CheckStandby(ctx, s.stb, s.standby, s.primary, o.filter.Schemas()...)
	if err != nil {
		return nil, err
	}
	rep.Problems = append(append(append(rep.Problems, src.Problems...), stb.Problems...),
		binlog.ServerIDProblems(s.serverID, s.primary, s.standby)...)
	rep.Warnings = append(src.Warnings, stb.Warnings...)
	nontx, err := binlog.NonTransactionalTables(ctx, s.src, o.filter.Match)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if p, ok := binlog.NonTransactionalProblem(nontx); ok {
		rep.Warnings = append(rep.Warnings, p)
	}
	compressed, err := binlog.CompressedColumns(ctx, s.src)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if p, ok := binlog.CompressedProblem(compressed); ok {
		rep.Problems = append(rep.Problems, p)
	}
	versioned, err := binlog.VersionedTables(ctx, s.src, o.filter.Match)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if p, ok := binlog.VersionedProblem(versioned); ok {
		rep.Warnings = append(rep.Warnings, p)
	}
	rep.Warnings = append(rep.Warnings, binlog.TimeZoneProblems(ctx, s.src, s.stb)...)
	mismatch, mismatchWarnings := binlog.MismatchProblems(ctx, s.src, s.stb)
	rep.Problems = append(rep.Problems, mismatch...)
	rep.Warnings = append(rep.Warnings, mismatchWarnings...)
	for _, w := range rep.Warnings {
		a.log.Warn("preflight", slog.String("side", w.Side), slog.String("check", w.Check),
			slog.String("problem", w.Problem), slog.String("fix", w.Fix))
	}
	if err := rep.Err(); err != nil {
		return nil, fmt.Errorf("preflight found %d problem(s), fix them and start again:\n%w", len(rep.Problems), err)
	}
	return s, nil
}

// openApplierEndpoint opens the standby with the driver settings the applier
// needs, bounded like statusEndpoint, and detects its flavor.
func openApplierEndpoint(ctx context.Context, raw string) (*sql.DB, mysqlx.Server, error) {
	ep, err := mysqlx.ParseURL(raw)
	if err != nil {
		return nil, mysqlx.Server{}, fmt.Errorf("standby: %w", err)
	}
	conn, err := mysql.NewConnector(binlog.ApplierDriverConfig(ep.DriverConfig()))
	if err != nil {
		return nil, mysqlx.Server{}, fmt.Errorf("standby %s: driver configuration: %w", ep, err)
	}
	db := sql.OpenDB(conn)
	limit := statusConnectTimeout
	if ep.Timeout > 0 {
		limit = ep.Timeout
	}
	connCtx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := db.PingContext(connCtx); err != nil {
		_ = db.Close()
		if connCtx.Err() != nil && ctx.Err() == nil {
			return nil, mysqlx.Server{}, fmt.Errorf("standby: connect to %s: no answer within %s "+
				"(host down, wrong port, or a firewall dropping the packets)", ep, limit)
		}
		return nil, mysqlx.Server{}, fmt.Errorf("standby: connect to %s: %w", ep, err)
	}
	srv, err := mysqlx.DetectFlavor(ctx, db)
	if err != nil {
		_ = db.Close()
		return nil, mysqlx.Server{}, fmt.Errorf("standby %s: %w", ep, err)
	}
	return db, srv, nil
}

// acquireStream takes the stream's lease with a token above floor (the
// checkpoint's), waiting (and saying so once) while another process holds it.
func (a *app) acquireStream(ctx context.Context, r config.Replication, floor uint64) (coord.Lease, error) {
	dir := r.LeaseDirOrDefault(a.lookup)
	c, err := coord.NewFile(dir)
	if err != nil {
		return nil, err
	}
	name := "replicate/" + r.Stream
	l, err := c.Acquire(ctx, name, false, coord.Above(floor))
	var held *coord.HeldError
	if !errors.As(err, &held) {
		return l, err
	}
	a.log.Warn("another replicate holds the lease of this stream; waiting for it",
		slog.String("stream", r.Stream), slog.String("lease", name), slog.String("lease_dir", dir),
		slog.String("holder", held.Holder.String()))
	l, err = c.Acquire(ctx, name, true, coord.Above(floor))
	if err != nil {
		return nil, err
	}
	a.log.Info("lease acquired", slog.String("lease", name), slog.Uint64("token", l.Token()))
	return l, nil
}

// prepareCheckpoint makes sure the stream has a checkpoint, initialising it on
// the first run from --from-start or --start-gtid, claims it with token, and
// returns the set to stream after. A start the primary has not reached, or can
// no longer serve, is refused before anything is written.
func (a *app) prepareCheckpoint(ctx context.Context, s *replicateSides, store *binlog.CheckpointStore,
	o replicateOpts, token uint64) (mysqlx.GTIDSet, error) {
	var none mysqlx.GTIDSet
	stream := store.StreamID()
	cp, ok, err := store.Load(ctx)
	if err != nil {
		return none, fmt.Errorf("standby: %w", err)
	}
	start := cp.GTIDs
	switch {
	case ok && o.seedFrom != "":
		a.log.Info("the standby has a checkpoint for this stream: --seed-from is ignored, replication resumes from it",
			slog.String("stream", stream), slog.String("checkpoint", orEmpty(cp.GTIDs.String())))
	case ok && (o.fromStart || o.startGTID != ""):
		return none, fmt.Errorf("stream %s already has a checkpoint on the standby (%s); it says where to resume: "+
			"start again without --from-start and --start-gtid (or change it first with `pilotlight checkpoint set`)",
			stream, orEmpty(cp.GTIDs.String()))
	case !ok && o.seedFrom != "":
		return a.seedStandby(ctx, s, store, o, token) // Init writes our token: nothing to claim
	case !ok && !o.fromStart && o.startGTID == "":
		return none, fmt.Errorf("the standby has no checkpoint for stream %s, so there is no position to resume from; "+
			"choose where to start: --from-start (the primary still has every binlog since it was created), "+
			"--seed-from URL (restore a snapshot into the empty standby first) or "+
			"--start-gtid SET (the standby already holds every transaction up to SET)", stream)
	case !ok:
		if o.startGTID != "" {
			if start, err = parseStart(s.primary.Flavor, o.startGTID); err != nil {
				return none, err
			}
		} else if start, err = mysqlx.Parse(s.primary.Flavor, ""); err != nil {
			return none, fmt.Errorf("empty start set: %w", err)
		}
		// Refuse a start the primary cannot serve before anything is written, so
		// that the operator can simply start again with another one.
		if err := binlog.CheckStart(ctx, s.src, s.primary, start); err != nil {
			return none, fmt.Errorf("--start-gtid: %w, or --from-start for a standby that holds nothing", err)
		}
		if err := store.Init(ctx, start, token); err != nil {
			return none, fmt.Errorf("standby: %w", err)
		}
		a.log.Info("checkpoint initialised", slog.String("stream", stream), slog.String("gtids", orEmpty(start.String())))
		return start, nil // Init wrote our token: nothing to claim
	}
	if err := store.Claim(ctx, token); err != nil {
		return none, fmt.Errorf("standby: %w", err)
	}
	return start, nil
}

func orEmpty(s string) string {
	if s == "" {
		return "the empty set"
	}
	return s
}
