package main

import "github.com/spf13/cobra"

// TODO(issue 4): being written.
func (a *app) snapshotVerifyCmd() *cobra.Command {
	return &cobra.Command{Use: "verify", Short: "(not yet)", Hidden: true}
}
