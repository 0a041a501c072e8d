package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) configCmd() *cobra.Command {
	c := &cobra.Command{
		Use:     "config",
		Short:   "Inspect pilotlight's configuration",
		Example: "  pilotlight config check --config /etc/pilotlight/pilotlight.yaml",
	}
	check := &cobra.Command{
		Use:   "check",
		Short: "Validate the configuration and print the effective settings, secrets masked",
		Long: `Loads the config file (--config or $PILOTLIGHT_CONFIG), expands ${ENV}
references, applies any flags given, validates every setting, and prints the
effective configuration with every secret masked. Problems are listed with
their line numbers and the command exits 1.`,
		Example: `  pilotlight config check --config /etc/pilotlight/pilotlight.yaml
  PILOTLIGHT_CONFIG=pilotlight.yaml pilotlight config check --part-size 64MiB
  pilotlight config check --config pilotlight.yaml --exclude 'shop.tmp_*' --heartbeat 500ms`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{"validate": "self"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.cfg.Validate(); err != nil {
				return err
			}
			if err := checkSinkLists(cmd, a.cfg); err != nil {
				return err
			}
			out, err := a.cfg.Redacted().YAML()
			if err != nil {
				return err
			}
			src := "built-in defaults"
			if a.configPath != "" {
				src = a.configPath
			}
			fmt.Fprintf(a.out, "# effective configuration (from %s, flags applied, secrets masked)\n%s", src, out)
			return nil
		},
	}
	storageFlags(check.Flags())
	replicationFlags(check.Flags())
	replicateFlags(check.Flags())
	c.AddCommand(check)
	return c
}
