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

// applyReplicationFlags copies every replication flag the user set over r.
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
	if err != nil {
		return usageError{err}
	}
	return nil
}
