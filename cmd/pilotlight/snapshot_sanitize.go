package main

import "github.com/spf13/cobra"

// TODO(issue 4): being written.
func (a *app) snapshotSanitizeCmd() *cobra.Command {
	return &cobra.Command{Use: "sanitize", Short: "(not yet)", Hidden: true}
}
