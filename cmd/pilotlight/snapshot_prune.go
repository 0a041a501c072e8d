package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/internal/progress"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

func (a *app) snapshotPruneCmd() *cobra.Command {
	var p snapshot.Policy
	var dryRun bool
	var incompleteAfter time.Duration
	c := &cobra.Command{
		Use:   "prune URL --keep-last N --keep-daily N --keep-weekly N [--dry-run]",
		Short: "Remove old snapshots by a retention policy; never the newest good one",
		Long: `Removes the snapshots on URL that the retention policy does not keep. As
restic's forget, on the snapshots' start times in UTC:
  --keep-last N     the N newest snapshots
  --keep-daily N    the newest snapshot of each of the N latest days that have one
  --keep-weekly N   the newest snapshot of each of the N latest ISO weeks that have one
A snapshot kept by several rules counts for each. At least one rule is needed.

Whatever the flags, the newest good snapshot (the newest one whose manifest
is valid) is never removed, and neither is a snapshot whose manifest cannot
be read (prune says so; inspect it and delete it by hand).

Each snapshot is removed manifest first, then its objects, so one removed
half-way (interrupted, or a storage error) is already invisible to every
command; what is left of it is removed by a later prune, as an incomplete
snapshot. Every removed snapshot is printed;
--dry-run removes nothing and prints every snapshot with what would happen
and why.

Directories without a manifest (a failed snapshot, or one still running)
are removed when their newest object is older than --incomplete-after;
younger ones are left alone.`,
		Example: `  # in the cron job, after the snapshot
  pilotlight snapshot prune s3://dr-backups/orders?region=eu-west-1 --keep-last 3 --keep-daily 7 --keep-weekly 8

  # what would go?
  pilotlight snapshot prune --dry-run gs://dr-backups-eu/orders --keep-daily 14`,
		Args: exactArgs(1, "snapshot prune needs the sink URL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := p.Validate(); err != nil {
				return usagef("snapshot prune: %v: give --keep-last, --keep-daily or --keep-weekly (the newest snapshot is always kept)", err)
			}
			if incompleteAfter <= 0 {
				return usagef("--incomplete-after must be positive (a snapshot being written has no manifest yet)")
			}
			s, err := a.openSink(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer s.Close()
			return a.prune(cmd.Context(), s, p, incompleteAfter, dryRun)
		},
	}
	storageFlags(c.Flags())
	fs := c.Flags()
	fs.IntVar(&p.Last, "keep-last", 0, "keep the N newest snapshots")
	fs.IntVar(&p.Daily, "keep-daily", 0, "keep the newest snapshot of each of the last N days that have one (UTC)")
	fs.IntVar(&p.Weekly, "keep-weekly", 0, "keep the newest snapshot of each of the last N ISO weeks that have one (UTC)")
	fs.BoolVar(&dryRun, "dry-run", false, "remove nothing; print what would be kept and removed, and why")
	fs.DurationVar(&incompleteAfter, "incomplete-after", 24*time.Hour, "remove a directory without manifest once its newest object is this old")
	return c
}

func (a *app) prune(ctx context.Context, s sinks.Sink, p snapshot.Policy, incompleteAfter time.Duration, dryRun bool) error {
	c, err := snapshot.Scan(ctx, s)
	if err != nil {
		return err
	}
	plan := snapshot.Plan(c.Entries, p)
	incs := snapshot.PlanIncomplete(c.Incomplete, time.Now(), incompleteAfter)
	var removed, kept, objects int
	var freed int64
	for _, d := range plan { // oldest first: an interruption leaves the newer ones
		e := d.Entry
		when := e.Time.UTC().Format(timeLayout)
		if d.Keep {
			kept++
			if dryRun {
				fmt.Fprintf(a.out, "keep          %s  %s  %s\n", e.ID, when, strings.Join(d.Reasons, ", "))
			}
			continue
		}
		stored, _ := e.Manifest.Bytes()
		if dryRun {
			fmt.Fprintf(a.out, "would remove  %s  %s  %s\n", e.ID, when, progress.Bytes(stored))
			removed++
			continue
		}
		n, err := snapshot.DeleteSnapshot(ctx, s, e.ID)
		if err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		a.log.Info("snapshot removed", "snapshot", e.ID, "objects", n, "bytes", stored)
		fmt.Fprintf(a.out, "removed       %s  %s  %s, %d objects\n", e.ID, when, progress.Bytes(stored), n)
		removed, objects, freed = removed+1, objects+n, freed+stored
	}
	var incRemoved int
	for _, d := range incs {
		switch {
		case !d.Remove && dryRun:
			fmt.Fprintf(a.out, "leave         %s  incomplete: %s\n", d.ID, d.Reason)
		case d.Remove && dryRun:
			fmt.Fprintf(a.out, "would remove  %s  incomplete: %s, %d objects\n", d.ID, d.Reason, d.Objects)
			incRemoved++
		case d.Remove:
			n, err := snapshot.DeleteIncomplete(ctx, s, d.ID)
			if errors.Is(err, snapshot.ErrCompleted) {
				a.log.Info("incomplete snapshot completed meanwhile; left alone", "snapshot", d.ID)
				continue
			}
			if err != nil {
				return fmt.Errorf("prune: %w", err)
			}
			fmt.Fprintf(a.out, "removed       %s  incomplete: %s, %d objects\n", d.ID, d.Reason, n)
			incRemoved, objects, freed = incRemoved+1, objects+n, freed+d.Bytes
		}
	}
	if dryRun {
		fmt.Fprintf(a.out, "dry run: would remove %d of %d snapshots and %d incomplete; nothing was deleted\n", removed, len(plan), incRemoved)
		return nil
	}
	fmt.Fprintf(a.out, "removed %d %s and %d incomplete (%d objects, %s); kept %d\n",
		removed, plural(removed, "snapshot", "snapshots"), incRemoved, objects, progress.Bytes(freed), kept)
	return nil
}
