package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/binlog"
	"github.com/pilotlight-dr/pilotlight/internal/config"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// replicateOpts are the replicate command's own flags (the replication section
// of the config and its flags are in a.cfg.Replication).
type replicateOpts struct {
	fromStart bool
	startGTID string
	serverID  uint32
	listen    string
	include   []string
}

func (a *app) replicateCmd() *cobra.Command {
	var o replicateOpts
	c := &cobra.Command{
		Use:   "replicate",
		Short: "Stream the primary's binlog to the standby, exactly once, until stopped",
		Long: `Streams every transaction of the primary (--source) to the standby (--standby)
and applies each one atomically together with the stream's checkpoint row in the
standby's pilotlight schema, so that a restart resumes exactly where the last
commit left off. Runs until stopped.

Before streaming it checks both servers (binlog settings, GTIDs, privileges,
server ids) and that the primary still has every binlog the stream needs.

A stream starts once: with no checkpoint on the standby, say where to begin:
  --from-start       the primary still has every binlog since it was created
  --start-gtid SET   the standby already holds every transaction up to SET
Later runs resume from the checkpoint and refuse both flags.

Only one replicate runs per stream: it takes the lease replicate/<stream> in
replication.lease_dir; a second one waits for it (and logs who holds it).

--include limits what is applied to tables matching shell-style patterns on
db.table (rows by their table, statements by their default database); the
other transactions still advance the checkpoint.

SIGTERM or SIGINT (Ctrl-C) is a requested stop: the transaction in flight is
rolled back (the committed ones are checkpointed), everything is closed and
the exit code is 0, not 130. Exit 1 on a fatal error (preflight problems,
purged binlogs, a diverged standby, a lost lease).`,
		Example: `  pilotlight replicate --source "mysql://repl:${PRIMARY_PASSWORD}@primary:3306/" \
      --standby "mysql://applier:${STANDBY_PASSWORD}@127.0.0.1:3306/" \
      --stream orders --start-gtid 0-1-1500 --rpo 1s --listen :9187
  pilotlight replicate --config /etc/pilotlight/pilotlight.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := a.cfg.Replication // flags already applied by setup
			a.secrets = append(a.secrets, r.Secrets()...)
			if err := checkReplicateArgs(r, o); err != nil {
				return err
			}
			err := a.replicate(cmd.Context(), r, o)
			if err != nil && cmd.Context().Err() != nil {
				a.log.Info("replicate stopped", slog.String("stream", r.Stream), slog.String("detail", err.Error()))
				return nil // a requested stop is normal for a sidecar
			}
			return err
		},
	}
	replicationFlags(c.Flags())
	fs := c.Flags()
	fs.BoolVar(&o.fromStart, "from-start", false, "first run: replicate everything in the primary's binlogs")
	fs.StringVar(&o.startGTID, "start-gtid", "", "first run: the standby already holds this GTID set (MariaDB 0-1-100, MySQL uuid:1-100)")
	fs.Uint32Var(&o.serverID, "server-id", 0, "replication client server id (default: a stable id derived from the stream)")
	fs.StringVar(&o.listen, "listen", "", "serve /metrics, /healthz and /readyz on this address (e.g. :9187)")
	fs.StringArrayVar(&o.include, "include", nil, "apply only tables matching this db.table shell pattern (repeatable; default all)")
	return c
}

// checkReplicateArgs validates the command line before anything connects.
func checkReplicateArgs(r config.Replication, o replicateOpts) error {
	if r.Source == "" {
		return usagef("replication.source is not set; give --source mysql://user:password@primary:3306/ or set it in the config")
	}
	if r.Standby == "" {
		return usagef("replication.standby is not set; give --standby mysql://user:password@standby:3306/ or set it in the config")
	}
	if o.fromStart && o.startGTID != "" {
		return usagef("--from-start and --start-gtid exclude each other: give one (or neither, to resume from the checkpoint)")
	}
	if err := checkIncludes(o.include); err != nil {
		return err
	}
	return config.ValidateReplication(r)
}

// replicate runs the stream until ctx ends or a fatal error.
func (a *app) replicate(ctx context.Context, r config.Replication, o replicateOpts) error {
	a.quietDriver()
	sides, err := a.connectSides(ctx, r, o)
	if err != nil {
		return err
	}
	defer sides.close()

	lease, err := a.acquireStream(ctx, r)
	if err != nil {
		return err
	}
	defer func() {
		if err := lease.Release(context.WithoutCancel(ctx)); err != nil {
			a.log.Warn("release the replicate lease", slog.String("error", err.Error()))
		}
	}()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-lease.Lost():
			cancel(fmt.Errorf("replicate: lost the lease %s", lease.Name()))
		case <-ctx.Done():
		}
	}()

	store, start, err := a.prepareCheckpoint(ctx, sides, r.Stream, o, lease.Token())
	if err != nil {
		return err
	}
	if err := binlog.CheckStartAvailable(ctx, sides.src, sides.primary, start); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	return a.stream(ctx, sides, store, r, o, start, lease.Token())
}

// serverID is --server-id, or the stream's stable default.
func (o replicateOpts) serverIDFor(stream string) uint32 {
	if o.serverID != 0 {
		return o.serverID
	}
	return binlog.DefaultServerID(stream)
}

// parseStart reads --start-gtid in the source's flavor.
func parseStart(flavor mysqlx.Flavor, s string) (mysqlx.GTIDSet, error) {
	g, err := mysqlx.Parse(flavor, s)
	if err != nil {
		return mysqlx.GTIDSet{}, usagef("--start-gtid %q is not a %s GTID set: %v", s, flavor, err)
	}
	return g, nil
}
