package main

import "github.com/spf13/cobra"

// TODO(issue 4): being written.
func (a *app) snapshotShowCmd() *cobra.Command {
	return &cobra.Command{Use: "show", Short: "(not yet)", Hidden: true}
}
