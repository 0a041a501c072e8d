package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pilotlight-dr/pilotlight/binlog"
	"github.com/pilotlight-dr/pilotlight/internal/config"
	"github.com/pilotlight-dr/pilotlight/internal/coord"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

func (a *app) checkpointCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "checkpoint",
		Short: "Inspect, set or reset a stream's checkpoint on the standby",
		Long: `A stream's checkpoint (a row of pilotlight.checkpoint on the standby) is the set
of the primary's transactions the standby holds: replicate resumes after it.
These commands read it, and repair it when the standby's contents changed by
other means (restored from a snapshot, rebuilt by hand):

  show             print it (read-only)
  set GTIDSET      say the standby holds exactly GTIDSET; checked against the
                   primary (--source) first: it must have executed GTIDSET and
                   still have every binlog after it
  reset            delete it; the next replicate needs --from-start or
                   --start-gtid

set and reset take the stream's lease (replicate/<stream> in the lease
directory) with a token above the checkpoint's: they refuse while a replicate
holds it on this host, and a replicate still running elsewhere with an older
token is fenced at its next commit, as after any takeover.`,
		Example: `  pilotlight checkpoint show --standby mysql://applier@127.0.0.1:3306/ --stream orders
  pilotlight checkpoint set 0-1-1500 --source "mysql://repl:${PRIMARY_PASSWORD}@primary:3306/" \
      --standby mysql://applier@127.0.0.1:3306/ --stream orders
  pilotlight checkpoint reset --standby mysql://applier@127.0.0.1:3306/ --stream orders`,
		Args: cobra.NoArgs,
	}
	var asJSON bool
	show := &cobra.Command{
		Use: "show", Short: "Print a stream's checkpoint", Args: cobra.NoArgs,
		Long: `Prints the stream's checkpoint on the standby (GTID set, last source commit,
fencing token, update time, a pending DDL mark) and who holds the stream's
lease on this host. Read-only; only --standby is needed.`,
		Example: `  pilotlight checkpoint show --standby mysql://applier@127.0.0.1:3306/ --stream orders
  pilotlight checkpoint show --config /etc/pilotlight/pilotlight.yaml --json`,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.checkpointShow(cmd.Context(), asJSON) },
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	set := &cobra.Command{
		Use: "set GTIDSET", Short: "Set a stream's checkpoint to the GTID set the standby holds", Args: cobra.ExactArgs(1),
		Long: `Says the standby holds exactly GTIDSET (MariaDB 0-1-1500, MySQL uuid:1-100), after
its contents changed by other means. Checked against the primary (--source)
first: it must have executed GTIDSET and still have every binlog after it.
Refused while a replicate holds the stream on this host.`,
		Example: `  pilotlight checkpoint set 0-1-1500 --source "mysql://repl:${PRIMARY_PASSWORD}@primary:3306/" \
      --standby mysql://applier@127.0.0.1:3306/ --stream orders`,
		RunE: func(cmd *cobra.Command, args []string) error { return a.checkpointSet(cmd.Context(), args[0]) },
	}
	reset := &cobra.Command{
		Use: "reset", Short: "Delete a stream's checkpoint", Args: cobra.NoArgs,
		Long: `Deletes the stream's checkpoint, so that the next replicate starts afresh with
--from-start or --start-gtid; prints the command that would restore it.
Refused while a replicate holds the stream on this host.`,
		Example: `  pilotlight checkpoint reset --standby mysql://applier@127.0.0.1:3306/ --stream orders`,
		RunE:    func(cmd *cobra.Command, _ []string) error { return a.checkpointReset(cmd.Context()) },
	}
	for _, sub := range []*cobra.Command{show, set, reset} {
		checkpointFlags(sub.Flags())
		c.AddCommand(sub)
	}
	return c
}

// checkpointFlags are the replication settings the checkpoint commands read.
func checkpointFlags(fs *pflag.FlagSet) {
	d := config.Default().Replication
	fs.String("source", "", "primary endpoint, mysql://user:password@host:3306/ (config replication.source; set only)")
	fs.String("standby", "", "standby endpoint holding the checkpoint (config replication.standby)")
	fs.String("stream", d.Stream, "replication stream id (config replication.stream)")
}

// checkpointTarget is the standby (and, for set, the source) of a checkpoint command.
type checkpointTarget struct {
	r      config.Replication
	stb    *sql.DB
	src    *sql.DB
	source mysqlx.Server
	store  *binlog.CheckpointStore
}

func (t *checkpointTarget) close() {
	for _, db := range []*sql.DB{t.stb, t.src} {
		if db != nil {
			_ = db.Close()
		}
	}
}

// openCheckpoint connects to the standby (and the source when withSource) and
// opens the stream's store; the GTID flavor is the source's, or the standby's
// when there is no source (both must be alike).
func (a *app) openCheckpoint(ctx context.Context, withSource bool) (_ *checkpointTarget, err error) {
	a.quietDriver()
	t := &checkpointTarget{r: a.cfg.Replication}
	a.secrets = append(a.secrets, t.r.Secrets()...)
	defer func() {
		if err != nil {
			t.close()
		}
	}()
	if t.r.Standby == "" {
		return nil, usagef("replication.standby is not set; give --standby mysql://user:password@standby:3306/ or set it in the config")
	}
	if withSource && t.r.Source == "" {
		return nil, usagef("replication.source is not set; give --source mysql://user:password@primary:3306/: the GTID set is checked against the primary")
	}
	if err := config.ValidateReplication(t.r); err != nil {
		return nil, err
	}
	var standby mysqlx.Server
	if t.stb, standby, _, err = statusEndpoint(ctx, "standby", t.r.Standby); err != nil {
		return nil, err
	}
	flavor := standby.Flavor
	if withSource {
		if t.src, t.source, _, err = statusEndpoint(ctx, "source", t.r.Source); err != nil {
			return nil, err
		}
		flavor = t.source.Flavor
	}
	if t.store, err = binlog.NewCheckpointStore(t.stb, t.r.Stream, flavor); err != nil {
		return nil, err
	}
	return t, nil
}

// checkpointShow prints the checkpoint and who holds the stream's lease here.
func (a *app) checkpointShow(ctx context.Context, asJSON bool) error {
	t, err := a.openCheckpoint(ctx, false)
	if err != nil {
		return err
	}
	defer t.close()
	cp, ok, err := t.store.Load(ctx)
	if isMissingTable(err) {
		ok, err = false, nil
	}
	if err != nil {
		return fmt.Errorf("standby: %w", err)
	}
	if !ok {
		return fmt.Errorf("the standby has no checkpoint for stream %s (replicate starts it with --from-start or --start-gtid)",
			t.r.Stream)
	}
	applier := inspectApplier(t.r.LeaseDirOrDefault(a.lookup), t.r.Stream)
	if asJSON {
		enc := json.NewEncoder(a.out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"stream": t.r.Stream, "gtid_set": cp.GTIDs.String(),
			"source_commit": nullTime(cp.SourceCommit), "fencing_token": cp.Token, "updated_at": cp.UpdatedAt,
			"pending_ddl": cp.PendingDDL, "applier": applier})
	}
	tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "stream\t%s\n", t.r.Stream)
	fmt.Fprintf(tw, "gtid set\t%s\n", orNone(cp.GTIDs.String()))
	if cp.SourceCommit.IsZero() {
		fmt.Fprintf(tw, "last source commit\tunknown (nothing applied since it was set)\n")
	} else {
		fmt.Fprintf(tw, "last source commit\t%s\n", cp.SourceCommit.Format(time.RFC3339Nano))
	}
	fmt.Fprintf(tw, "fencing token\t%d\n", cp.Token)
	fmt.Fprintf(tw, "updated\t%s\n", cp.UpdatedAt.Format(time.RFC3339Nano))
	if cp.PendingDDL != "" {
		fmt.Fprintf(tw, "pending DDL\t%s (it may or may not have run; replicate settles it at start)\n", cp.PendingDDL)
	}
	fmt.Fprintf(tw, "applier\t%s\n", applier.Detail)
	return tw.Flush()
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// checkpointLease takes the stream's lease above the stored token, refusing
// while a replicate holds it here.
func (a *app) checkpointLease(ctx context.Context, t *checkpointTarget) (coord.Lease, error) {
	cp, _, err := t.store.Load(ctx)
	if isMissingTable(err) {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("standby: %w", err)
	}
	dir := t.r.LeaseDirOrDefault(a.lookup)
	c, err := coord.NewFile(dir)
	if err != nil {
		return nil, err
	}
	l, err := c.Acquire(ctx, "replicate/"+t.r.Stream, false, coord.Above(cp.Token))
	var held *coord.HeldError
	if errors.As(err, &held) {
		return nil, fmt.Errorf("a replicate holds stream %s (%s, lease directory %s): stop it first, "+
			"then run this again", t.r.Stream, held.Holder, dir)
	}
	return l, err
}

// checkpointSet sets the checkpoint after checking the set against the primary.
func (a *app) checkpointSet(ctx context.Context, text string) error {
	t, err := a.openCheckpoint(ctx, true)
	if err != nil {
		return err
	}
	defer t.close()
	g, err := parseStart(t.source.Flavor, text)
	if err != nil {
		return err
	}
	if err := binlog.CheckStart(ctx, t.src, t.source, g); err != nil {
		return fmt.Errorf("checkpoint set: %w", err)
	}
	if err := t.store.Ensure(ctx); err != nil {
		return fmt.Errorf("standby: %w", err)
	}
	lease, err := a.checkpointLease(ctx, t)
	if err != nil {
		return err
	}
	defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()
	before, had, err := t.store.Load(ctx)
	if err != nil {
		return fmt.Errorf("standby: %w", err)
	}
	if err := t.store.Set(ctx, g, lease.Token()); err != nil {
		return fmt.Errorf("standby: %w", err)
	}
	was := "none"
	if had {
		was = fmt.Sprintf("%s (token %d)", orEmpty(before.GTIDs.String()), before.Token)
	}
	fmt.Fprintf(a.out, "checkpoint of stream %s set to %s (token %d); it was %s. A replicate still running "+
		"with an older token is fenced at its next commit.\n", t.r.Stream, orEmpty(g.String()), lease.Token(), was)
	return nil
}

// checkpointReset deletes the checkpoint.
func (a *app) checkpointReset(ctx context.Context) error {
	t, err := a.openCheckpoint(ctx, false)
	if err != nil {
		return err
	}
	defer t.close()
	lease, err := a.checkpointLease(ctx, t)
	if err != nil {
		return err
	}
	defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()
	cp, ok, err := t.store.Reset(ctx, lease.Token())
	if isMissingTable(err) {
		ok, err = false, nil
	}
	if err != nil {
		return fmt.Errorf("standby: %w", err)
	}
	if !ok {
		fmt.Fprintf(a.out, "stream %s has no checkpoint: nothing to reset\n", t.r.Stream)
		return nil
	}
	fmt.Fprintf(a.out, "checkpoint of stream %s deleted; it was %s (token %d). Start replicate with --from-start "+
		"or --start-gtid; to restore it: pilotlight checkpoint set %s\n", t.r.Stream, orEmpty(cp.GTIDs.String()),
		cp.Token, cp.GTIDs.String())
	return nil
}
