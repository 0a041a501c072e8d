package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pilotlight-dr/pilotlight/binlog"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/restore"
)

// seedThreads is the number of sessions a seed loads rows on.
const seedThreads = 4

// seedStandby restores snapshot o.seedSnapshot from o.seedFrom into the empty
// standby and returns the snapshot's GTID set, where the stream starts: the
// primary must still have every binlog after it, which is checked before
// anything is written. Interrupted, the same command resumes the restore (its
// progress rows are on the standby); the checkpoint is written last, with
// token, so a standby with a checkpoint is never seeded again.
func (a *app) seedStandby(ctx context.Context, s *replicateSides, store *binlog.CheckpointStore, o replicateOpts,
	token uint64) (mysqlx.GTIDSet, error) {
	var none mysqlx.GTIDSet
	key, err := a.loadKeyFlag("")
	if err != nil {
		return none, err
	}
	sink, m, err := a.loadSnapshot(ctx, o.seedFrom, o.seedSnapshot, key, true)
	if err != nil {
		return none, fmt.Errorf("--seed-from: %w", err)
	}
	defer sink.Close()
	start, err := mysqlx.Parse(s.primary.Flavor, m.GTIDSet)
	if err != nil {
		return none, fmt.Errorf("--seed-from: snapshot %s's GTID set %q: %w", m.ID, m.GTIDSet, err)
	}
	if err := binlog.CheckStart(ctx, s.src, s.primary, start); err != nil {
		return none, fmt.Errorf("--seed-from: snapshot %s (GTID set %s) is too old for this primary: %w; take a fresh "+
			"snapshot and seed from it", m.ID, orEmpty(m.GTIDSet), err)
	}
	a.log.Info("seeding the standby from a snapshot", slog.String("snapshot", m.ID), slog.String("from", o.seedFrom),
		slog.String("gtids", orEmpty(m.GTIDSet)))
	r := a.cfg.Replication
	rep, err := restore.Run(ctx, sink, m, s.stb, restore.Options{Threads: seedThreads, Include: r.Include,
		Exclude: r.Exclude, Verify: true, DeferIndexes: true, Key: key,
		Events: restore.EventsHeld, Logger: a.log})
	if err != nil {
		return none, fmt.Errorf("--seed-from: restore of snapshot %s: %w; run the same command again to resume", m.ID, err)
	}
	if err := store.Init(ctx, start, token); err != nil {
		return none, fmt.Errorf("standby: %w", err)
	}
	a.log.Info("standby seeded; replicating from the snapshot's GTID set", slog.String("snapshot", m.ID),
		slog.Int64("rows", rep.Rows), slog.Int("chunks", rep.Chunks), slog.Int("chunks_before", rep.ChunksBefore),
		slog.Duration("elapsed", rep.Elapsed), slog.String("gtids", orEmpty(start.String())))
	return start, nil
}
