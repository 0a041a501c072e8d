package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pilotlight-dr/pilotlight/binlog"
	"github.com/pilotlight-dr/pilotlight/internal/config"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// rpoInterval is how often the RPO watch evaluates the lag.
const rpoInterval = time.Second

// stream sets up metrics, the RPO watch and the health server, then streams
// from start and applies until ctx ends or a fatal error.
func (a *app) stream(ctx context.Context, s *replicateSides, store *binlog.CheckpointStore, r config.Replication,
	o replicateOpts, start mysqlx.GTIDSet, token uint64) error {
	m, err := binlog.NewMetrics(r.Stream, nil)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	if r.RPO > 0 {
		w, err := binlog.NewRPOWatch(m, r.RPO, a.log)
		if err != nil {
			return err
		}
		wg.Go(func() { _ = w.Run(bg, rpoInterval) })
	}
	var running atomic.Bool
	if o.listen != "" {
		hs := binlog.NewHealthServer(o.listen, m, func() error {
			if !running.Load() {
				return errors.New("stream not connected or applier not running")
			}
			return nil
		}, a.log)
		if err := hs.Start(ctx); err != nil {
			return err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = hs.Shutdown(sctx)
		}()
	}

	if r.Heartbeat > 0 {
		hb, err := binlog.NewHeartbeatWriter(s.src, r.Stream, r.Heartbeat, a.log)
		if err != nil {
			return err
		}
		if err := hb.Ensure(ctx); err != nil {
			return fmt.Errorf("source: %w", err)
		}
		wg.Go(func() { _ = hb.Run(bg) })
	}

	workers := r.WorkersOrAuto(runtime.NumCPU())
	a.log.Info("replicating", slog.String("stream", r.Stream), slog.String("source", s.srcEP.String()),
		slog.String("after", orEmpty(start.String())), slog.Uint64("server_id", uint64(s.serverID)),
		slog.Uint64("token", token), slog.Int("workers", workers))
	err = binlog.Replicate(ctx, binlog.ReplicateConfig{
		Stream:   binlog.StreamConfig{Source: s.srcEP, Flavor: s.primary.Flavor, ServerID: s.serverID, Logger: a.log},
		SourceDB: s.src, SourceServer: s.primary,
		Standby: s.stb, Store: store, Token: token,
		Apply: binlog.ApplyConfig{Workers: workers, SkipAccountStatements: r.SkipAccountStatements},
		Filter: func(src binlog.EventSource) binlog.EventSource {
			return newEventFilter(src, o.filter)
		},
		Running: running.Store,
		Metrics: m, Logger: a.log,
	})
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause // the lease was lost
	}
	return err
}
