package main

import (
	"github.com/spf13/cobra"
)

// snapshotCmd is `pilotlight snapshot`: with --to it takes a snapshot; its
// subcommands read, check, prune and clean snapshots.
func (a *app) snapshotCmd() *cobra.Command {
	c := a.snapshotTakeCmd()
	c.AddCommand(a.snapshotLsCmd(), a.snapshotShowCmd(), a.snapshotVerifyCmd(),
		a.snapshotCatCmd(), a.snapshotPruneCmd(), a.snapshotSanitizeCmd())
	return c
}
