package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pilotlight-dr/pilotlight/internal/config"
)

// replicationFlags adds the replication settings as flags (they override the
// config's replication section).
func replicationFlags(fs *pflag.FlagSet) {
	d := config.Default().Replication
	fs.String("source", "", "primary endpoint, mysql://user:password@host:3306/ (config replication.source)")
	fs.String("standby", "", "standby endpoint holding the checkpoint (config replication.standby)")
	fs.String("stream", d.Stream, "replication stream id (config replication.stream)")
	fs.Duration("rpo", d.RPO, "RPO target: the most data, in time, the standby may be behind (config replication.rpo)")
}

// replicateFlags adds the settings only `replicate` uses (and `config check`,
// to check them); they override the config's replication section too.
func replicateFlags(fs *pflag.FlagSet) {
	fs.StringArray("include", nil, "apply only tables matching this db.table shell pattern, e.g. 'shop.*' "+
		"(repeatable; replaces replication.include; default all)")
	fs.StringArray("exclude", nil, "skip tables matching this db.table shell pattern, e.g. 'shop.tmp_*'; wins over "+
		"--include (repeatable; replaces replication.exclude)")
	fs.Int("workers", 0, "parallel apply workers; default: automatic, 2x CPUs capped at 8 (config replication.workers)")
	fs.Duration("heartbeat", 0, "write a heartbeat row on the primary this often, e.g. 500ms, so an idle primary's "+
		"lag stays measured; needs CREATE, INSERT, UPDATE on pilotlight.* there (config replication.heartbeat; default off)")
	fs.Uint32("server-id", 0, "replication client server id (config replication.server_id; default: a stable id derived from the stream)")
	fs.String("listen", "", "serve /metrics, /healthz and /readyz on this address, e.g. :9187 (config replication.listen)")
	fs.Bool("skip-account-statements", false, "do not apply the primary's CREATE/ALTER/DROP USER, GRANT, REVOKE, "+
		"roles and SET PASSWORD (for a standby user without those privileges); each skipped one is logged and "+
		"counted (config replication.skip_account_statements)")
}

// applyReplicationFlags copies every replication flag the user set over r.
// Flags a command does not define are never Changed.
func applyReplicationFlags(cmd *cobra.Command, r *config.Replication) error {
	fs := cmd.Flags()
	var err error
	set := func(name string, fn func() error) {
		if err == nil && fs.Changed(name) {
			err = fn()
		}
	}
	set("source", func() error { r.Source, err = fs.GetString("source"); return err })
	set("standby", func() error { r.Standby, err = fs.GetString("standby"); return err })
	set("stream", func() error { r.Stream, err = fs.GetString("stream"); return err })
	set("rpo", func() error { r.RPO, err = fs.GetDuration("rpo"); return err })
	set("include", func() error { r.Include, err = fs.GetStringArray("include"); return err })
	set("exclude", func() error { r.Exclude, err = fs.GetStringArray("exclude"); return err })
	set("workers", func() error { r.Workers, err = fs.GetInt("workers"); return err })
	set("heartbeat", func() error { r.Heartbeat, err = fs.GetDuration("heartbeat"); return err })
	set("server-id", func() error { r.ServerID, err = fs.GetUint32("server-id"); return err })
	set("listen", func() error { r.Listen, err = fs.GetString("listen"); return err })
	set("skip-account-statements", func() error {
		r.SkipAccountStatements, err = fs.GetBool("skip-account-statements")
		return err
	})
	if err != nil {
		return usageError{err}
	}
	return nil
}
