package main

import "github.com/spf13/cobra"

// TODO(issue 4): being written.
func (a *app) snapshotLsCmd() *cobra.Command {
	return &cobra.Command{Use: "ls", Short: "(not yet)", Hidden: true}
}
