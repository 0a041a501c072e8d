package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/binlog"
	"github.com/pilotlight-dr/pilotlight/internal/config"
	"github.com/pilotlight-dr/pilotlight/internal/coord"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// statusConnectTimeout bounds connecting when the endpoint URL sets no timeout;
// --timeout bounds the whole command.
const statusConnectTimeout = 10 * time.Second

func (a *app) statusCmd() *cobra.Command {
	var asJSON bool
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "status",
		Short: "Show how far the standby is behind the primary, and whether it meets the RPO",
		Long: `Connects to the primary (--source) and the standby (--standby), reads the
primary's executed GTID set and the standby's checkpoint for the stream, and
reports: the transactions not yet on the standby, the lag (now minus the source
commit time of the last applied transaction), RPO compliance, the checkpoint's
age, errant transactions (on the standby's checkpoint but not on the primary:
a red flag before any cutover), which process holds the replicate lease on
this host and whether its fencing token is the one the checkpoint holds, and
the triggers and events held on the standby (they do not run there while it is
a standby; promotion releases them). Read-only on both servers.

The RPO is met when nothing is missing, or when the lag is within --rpo. When
no transaction has been applied yet the lag is unknown and the RPO is not met
unless nothing is missing.`,
		Example: `  pilotlight status --source "mysql://repl:${PRIMARY_PASSWORD}@primary:3306/" \
      --standby mysql://applier@127.0.0.1:3306/ --rpo 30s
  pilotlight status --config /etc/pilotlight/pilotlight.yaml --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := a.cfg.Replication // flags already applied by setup
			a.secrets = append(a.secrets, r.Secrets()...)
			if err := config.ValidateReplication(r); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			rep, err := a.gatherStatus(ctx, r)
			if err != nil {
				return fmt.Errorf("status: %w", err)
			}
			if asJSON {
				return rep.writeJSON(a.out)
			}
			return rep.writeTable(a.out)
		},
	}
	replicationFlags(c.Flags())
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object instead of a table")
	c.Flags().DurationVar(&timeout, "timeout", time.Minute, "give up after this long")
	return c
}

// statusEndpoint opens one side, flavor detected. Connecting is bounded by
// statusConnectTimeout unless the URL sets a timeout of its own.
func statusEndpoint(ctx context.Context, role, raw string) (*sql.DB, mysqlx.Server, endpointInfo, error) {
	ep, err := mysqlx.ParseURL(raw)
	if err != nil {
		return nil, mysqlx.Server{}, endpointInfo{}, fmt.Errorf("%s: %w", role, err)
	}
	return openEndpoint(ctx, role, ep)
}

// openEndpoint opens a parsed endpoint like statusEndpoint.
func openEndpoint(ctx context.Context, role string, ep mysqlx.Endpoint) (*sql.DB, mysqlx.Server, endpointInfo, error) {
	info := endpointInfo{URL: ep.String()}
	limit := statusConnectTimeout
	if ep.Timeout > 0 {
		limit = ep.Timeout
	}
	connCtx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	db, err := ep.Open(connCtx)
	if err != nil {
		if connCtx.Err() != nil && ctx.Err() == nil {
			return nil, mysqlx.Server{}, info, fmt.Errorf("%s: connect to %s: no answer within %s "+
				"(host down, wrong port, or a firewall dropping the packets)", role, ep, limit)
		}
		return nil, mysqlx.Server{}, info, fmt.Errorf("%s: %w", role, err)
	}
	srv, err := mysqlx.DetectFlavor(ctx, db)
	if err != nil {
		_ = db.Close()
		return nil, mysqlx.Server{}, info, fmt.Errorf("%s %s: %w", role, ep, err)
	}
	info.Flavor, info.Version, info.Identity = string(srv.Flavor), srv.Version, srv.Identity()
	return db, srv, info, nil
}

// gatherStatus reads both servers and computes the report.
func (a *app) gatherStatus(ctx context.Context, r config.Replication) (*statusReport, error) {
	a.quietDriver()
	src, primary, srcInfo, err := statusEndpoint(ctx, "source", r.Source)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	stb, _, stbInfo, err := statusEndpoint(ctx, "standby", r.Standby)
	if err != nil {
		return nil, err
	}
	defer stb.Close()

	store, err := binlog.NewCheckpointStore(stb, r.Stream, primary.Flavor)
	if err != nil {
		return nil, err
	}
	cp, ok, err := store.Load(ctx)
	if isMissingTable(err) {
		ok, err = false, nil
	}
	if err != nil {
		return nil, fmt.Errorf("standby: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("the standby has no checkpoint for stream %s: start `pilotlight replicate --stream %s` "+
			"with --from-start (replicate everything in the primary's binlogs) or --start-gtid SET (the standby already holds SET)",
			r.Stream, r.Stream)
	}
	// Read the primary's position after the checkpoint, so that a transaction
	// applied in between is never counted as errant.
	executed, _, err := mysqlx.ReadGTIDs(ctx, src, primary.Flavor)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	now := time.Now().UTC()
	rep, err := buildReport(now, r, executed, cp)
	if err != nil {
		return nil, err
	}
	rep.Source, rep.Standby = srcInfo, stbInfo
	rep.Applier = inspectApplier(r.LeaseDirOrDefault(a.lookup), r.Stream)
	rep.CheckpointToken = cp.Token
	if rep.Held, err = binlog.Held(ctx, stb); err != nil {
		return nil, fmt.Errorf("standby: %w", err)
	}
	return rep, nil
}

// buildReport does the GTID arithmetic and the RPO verdict.
func buildReport(now time.Time, r config.Replication, primary mysqlx.GTIDSet, cp binlog.Checkpoint) (*statusReport, error) {
	missing, err := primary.Subtract(cp.GTIDs)
	if err != nil {
		return nil, fmt.Errorf("compare source and checkpoint: %w", err)
	}
	errant, err := cp.GTIDs.Subtract(primary)
	if err != nil {
		return nil, fmt.Errorf("compare checkpoint and source: %w", err)
	}
	rep := &statusReport{
		Stream:               r.Stream,
		CheckedAt:            now,
		SourceGTIDSet:        primary.String(),
		CheckpointGTIDSet:    cp.GTIDs.String(),
		MissingTransactions:  missing.Count(),
		MissingGTIDSet:       missing.String(),
		MissingBySource:      missingParts(missing),
		RPOSeconds:           r.RPO.Seconds(),
		CheckpointUpdatedAt:  cp.UpdatedAt,
		CheckpointAgeSeconds: max(0, now.Sub(cp.UpdatedAt).Seconds()),
		ErrantGTIDSet:        errant.String(),
		DivergentDomains:     cp.GTIDs.DivergentDomains(primary),
	}
	if !cp.SourceCommit.IsZero() {
		t := cp.SourceCommit
		rep.LastSourceCommit = &t
	}
	switch {
	case rep.MissingTransactions == 0:
		rep.Lag, rep.LagSeconds = lagCaughtUp, new(float64)
	case rep.LastSourceCommit == nil:
		rep.Lag = lagUnknown
	default:
		rep.Lag = lagBehind
		lag := max(0, now.Sub(cp.SourceCommit).Seconds())
		rep.LagSeconds = &lag
	}
	rep.RPOOK = rep.MissingTransactions == 0 || (rep.LagSeconds != nil && *rep.LagSeconds <= rep.RPOSeconds)
	return rep, nil
}

// missingParts splits the missing set per MariaDB domain or MySQL source UUID.
func missingParts(missing mysqlx.GTIDSet) []missingPart {
	out := []missingPart{}
	if missing.Flavor() == mysqlx.MariaDB {
		for _, rg := range missing.Ranges() {
			out = append(out, missingPart{Source: fmt.Sprintf("domain %d", rg.Domain), Count: rg.Count(),
				GTIDs: fmt.Sprintf("%d-%d-%d..%d", rg.Domain, rg.ServerID, rg.First, rg.Last)})
		}
		return out
	}
	for _, member := range splitMembers(missing.String()) {
		part := missingPart{Source: uuidOf(member), GTIDs: member}
		if g, err := mysqlx.Parse(mysqlx.MySQL, member); err == nil {
			part.Count = g.Count()
		}
		out = append(out, part)
	}
	return out
}

// inspectApplier reports who holds the stream's replicate lease on this host.
func inspectApplier(dir, stream string) applierInfo {
	info := applierInfo{State: "not_running", LeaseDir: dir,
		Detail: "no replicate process holds the lease on this host"}
	h, err := coord.InspectFile(dir, "replicate/"+stream)
	switch {
	case err != nil:
		info.State, info.Detail = "unknown", fmt.Sprintf("cannot inspect the lease: %v", err)
	case h != nil && h.PID == 0:
		info.State, info.Detail = "running", "the lease is held (holder details not written yet)"
	case h != nil:
		since := h.Since
		info.State, info.PID, info.Host, info.Since, info.Token = "running", h.PID, h.Host, &since, h.Token
		info.Detail = h.String()
	}
	return info
}

// isMissingTable is true for "table or database does not exist": the standby
// never had a checkpoint.
func isMissingTable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1146 || me.Number == 1049)
}

// quietDriver routes go-sql-driver/mysql's own log lines (connection resets)
// to the debug log instead of raw stderr.
func (a *app) quietDriver() {
	_ = mysql.SetLogger(driverLogger{a})
}

type driverLogger struct{ a *app }

func (d driverLogger) Print(v ...any) { d.a.log.Debug("mysql driver", "msg", fmt.Sprint(v...)) }
