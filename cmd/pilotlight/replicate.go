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
	// seedFrom and seedSnapshot: first run, restore this snapshot first.
	seedFrom, seedSnapshot string
	// filter is replication.include/exclude (flags win), checked.
	filter tableFilter
	// serverID and listen are replication.server_id and listen (flags win).
	serverID uint32
	listen   string
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

--include and --exclude choose the tables applied with shell-style patterns on
db.table (* ? [a-z], as in 'shop.*' or '*.tmp_*'; repeatable; config
replication.include / exclude). A table is applied when it matches an include
pattern (or none is given) and no exclude pattern: exclude wins. Rows follow
their table; a statement that names a table (CREATE/ALTER/DROP TABLE, a view,
a trigger's table) follows that table; one that belongs to a whole database
(CREATE/DROP DATABASE, routines, events) is applied when some include pattern
can match a table of the database and no exclude pattern is db.*; account
statements are never filtered (see --skip-account-statements). Filtered
transactions still advance the checkpoint, in source order. The pilotlight
schema is never filtered.

--workers N is the number of parallel apply workers (standby connections);
exactly-once holds whatever N is. The default, 0, is automatic: 2 per CPU, at
most 8 (config replication.workers).

--heartbeat 500ms writes a row in the primary's pilotlight.heartbeat this often,
so that lag stays measured while the primary is idle: without it an idle
primary looks as far behind as its last write. It must be shorter than --rpo;
the source user needs, on the primary:
  GRANT CREATE, INSERT, UPDATE ON pilotlight.* TO 'repl'@'%';
(config replication.heartbeat; default 0: off).

A network cut, a restarted server or a killed connection on either side is
not fatal: replicate reconnects with backoff (logging each attempt; /readyz
fails meanwhile) and resumes after the checkpoint.

A standby is not a primary: nothing runs twice on it. Triggers are held (they
stay on the standby but do nothing for the applier, whose rows already carry
their effects), events are disabled on the standby (SLAVESIDE_DISABLED), both
those replicated and those already there; pilotlight status lists them, and
promotion releases them. Account statements (CREATE USER, GRANT...) are applied
in the name of the account that ran them; a standby user lacking a privilege
stops replication with the GRANT to run, or --skip-account-statements skips
them (logged and counted). A row change a session logged as a statement
(binlog_format STATEMENT or MIXED) stops replication with the fix.
Non-transactional tables (MyISAM, Aria, MEMORY) are applied at least once, not
exactly once: preflight names them.

SIGTERM or SIGINT (Ctrl-C) is a requested stop: the transaction in flight is
read to its end and committed with its checkpoint (within 30s, else rolled
back), everything is closed and the exit code is 0, not 130. Exit 1 on a
fatal error (preflight problems, purged binlogs, a diverged standby, a
schema the standby lacks, a lost lease or a newer replicate's fence).`,
		Example: `  pilotlight replicate --source "mysql://repl:${PRIMARY_PASSWORD}@primary:3306/" \
      --standby "mysql://applier:${STANDBY_PASSWORD}@127.0.0.1:3306/" \
      --stream orders --start-gtid 0-1-1500 --rpo 1s --listen :9187
  pilotlight replicate --config /etc/pilotlight/pilotlight.yaml \
      --include 'shop.*' --exclude 'shop.tmp_*' --workers 4 --heartbeat 500ms`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := a.cfg.Replication // flags already applied by setup
			a.secrets = append(a.secrets, r.Secrets()...)
			f, err := checkReplicateArgs(r, o)
			if err != nil {
				return err
			}
			o.filter = f
			o.serverID, o.listen = r.ServerID, r.Listen
			err = a.replicate(cmd.Context(), r, o)
			if err != nil && cmd.Context().Err() != nil {
				a.log.Info("replicate stopped", slog.String("stream", r.Stream), slog.String("detail", err.Error()))
				return nil // a requested stop is normal for a sidecar
			}
			return err
		},
	}
	replicationFlags(c.Flags())
	replicateFlags(c.Flags())
	fs := c.Flags()
	fs.BoolVar(&o.fromStart, "from-start", false, "first run: replicate everything in the primary's binlogs")
	fs.StringVar(&o.startGTID, "start-gtid", "", "first run: the standby already holds this GTID set (MariaDB 0-1-100, MySQL uuid:1-100)")
	fs.StringVar(&o.seedFrom, "seed-from", "", "first run: restore a snapshot from this sink URL into the empty standby, then replicate from its GTID set (ignored once a checkpoint exists)")
	fs.StringVar(&o.seedSnapshot, "snapshot", "latest", "with --seed-from: the snapshot id, a unique prefix of one, or latest")
	return c
}

// checkReplicateArgs validates the command line before anything connects and
// returns the table filter.
func checkReplicateArgs(r config.Replication, o replicateOpts) (tableFilter, error) {
	if r.Source == "" {
		return tableFilter{}, usagef("replication.source is not set; give --source mysql://user:password@primary:3306/ or set it in the config")
	}
	if r.Standby == "" {
		return tableFilter{}, usagef("replication.standby is not set; give --standby mysql://user:password@standby:3306/ or set it in the config")
	}
	if n := countTrue(o.fromStart, o.startGTID != "", o.seedFrom != ""); n > 1 {
		return tableFilter{}, usagef("--from-start, --start-gtid and --seed-from exclude each other: give one (or none, to resume from the checkpoint)")
	}
	f, err := newTableFilter(r.Include, r.Exclude)
	if err != nil {
		return tableFilter{}, err
	}
	return f, config.ValidateReplication(r)
}

// replicate runs the stream until ctx ends or a fatal error.
func (a *app) replicate(ctx context.Context, r config.Replication, o replicateOpts) error {
	a.quietDriver()
	a.tuneRuntime()
	sides, err := a.connectSides(ctx, r, o)
	if err != nil {
		return err
	}
	defer sides.close()

	store, err := binlog.NewCheckpointStore(sides.stb, r.Stream, sides.primary.Flavor)
	if err != nil {
		return err
	}
	if err := store.Ensure(ctx); err != nil {
		return fmt.Errorf("standby: %w", err)
	}
	// The lease's token must fence whoever wrote the checkpoint last, even when
	// that replicate kept its token counter elsewhere (another lease_dir, host
	// or pod): ask for one above the checkpoint's.
	cp, _, err := store.Load(ctx)
	if err != nil {
		return fmt.Errorf("standby: %w", err)
	}
	lease, err := a.acquireStream(ctx, r, cp.Token)
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

	start, err := a.prepareCheckpoint(ctx, sides, store, o, lease.Token())
	if err != nil {
		return err
	}
	if _, err := binlog.HoldStandby(ctx, sides.stb, sides.standby.Flavor, o.filter.Match, a.log); err != nil {
		return fmt.Errorf("standby: %w", err)
	}
	return a.stream(ctx, sides, store, r, o, start, lease.Token())
}

// serverIDFor is replication.server_id (--server-id wins), or the stream's
// stable default when it is 0.
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

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
