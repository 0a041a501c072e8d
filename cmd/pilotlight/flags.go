package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pilotlight-dr/pilotlight/internal/config"
)

// storageFlags adds the storage settings as flags (they override the config).
func storageFlags(fs *pflag.FlagSet) {
	d := config.Default().Storage
	part := config.ByteSize(d.PartSize)
	fs.Var(&part, "part-size", "multipart part / block size; memory per upload is about part-size x concurrency (config storage.part_size)")
	fs.Int("concurrency", d.Concurrency, "parts in flight per upload (config storage.concurrency)")
	fs.Int("retries", d.Retry.Attempts, "attempts for transient storage errors, 1 = no retry (config storage.retry.attempts)")
}

// applyFlags copies every flag the user set over the loaded config.
func applyFlags(cmd *cobra.Command, cfg *config.Config) error {
	fs := cmd.Flags()
	var err error
	set := func(name string, fn func() error) {
		if err == nil && fs.Changed(name) {
			err = fn()
		}
	}
	set("log-level", func() error { cfg.Log.Level, err = fs.GetString("log-level"); return err })
	set("log-format", func() error { cfg.Log.Format, err = fs.GetString("log-format"); return err })
	set("part-size", func() error {
		v, e := config.ParseByteSize(fs.Lookup("part-size").Value.String())
		cfg.Storage.PartSize = v
		return e
	})
	set("concurrency", func() error { cfg.Storage.Concurrency, err = fs.GetInt("concurrency"); return err })
	set("retries", func() error { cfg.Storage.Retry.Attempts, err = fs.GetInt("retries"); return err })
	if err != nil {
		return usageError{err}
	}
	// Commands without these flags are unaffected (Changed is false). The
	// snapshot command has flags of the same names (--source, --include)
	// that mean its own settings.
	if cmd.Annotations["flags"] == "snapshot" {
		return applySnapshotFlags(cmd, &cfg.Snapshot)
	}
	return applyReplicationFlags(cmd, &cfg.Replication)
}
