package main

import "github.com/spf13/cobra"

// TODO(issue 4): being written.
func (a *app) snapshotPruneCmd() *cobra.Command {
	return &cobra.Command{Use: "prune", Short: "(not yet)", Hidden: true}
}
