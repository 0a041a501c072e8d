package main

import "github.com/spf13/cobra"

// TODO(issue 4): being written.
func (a *app) snapshotCatCmd() *cobra.Command {
	return &cobra.Command{Use: "cat", Short: "(not yet)", Hidden: true}
}
