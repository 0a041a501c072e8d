package main

import "github.com/spf13/cobra"

// TODO(issue 4): being written.
func (a *app) snapshotTakeCmd() *cobra.Command {
	return &cobra.Command{Use: "snapshot", Short: "Consistent snapshots to S3, GCS, Azure Blob and local disk"}
}
