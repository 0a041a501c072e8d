package main

import (
	"fmt"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/internal/progress"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

func (a *app) snapshotVerifyCmd() *cobra.Command {
	var keyFile string
	var parallel int
	c := &cobra.Command{
		Use:   "verify URL ID",
		Short: "Re-read every object of a snapshot and check it against the manifest",
		Long: `Reads back every object of snapshot ID from URL, in parallel, and checks its
stored size and SHA-256 against the manifest. It also decompresses each one
and checks the size of its SQL, when the snapshot is not encrypted or when
--encrypt-key-file gives its key (without it, an encrypted snapshot's stored
bytes are still checked: that needs no key).

Every object is read even after a bad one; each bad object is printed with
what is wrong (missing, truncated, different content), and the first one in
load order is the error. Exit code 0: the snapshot is intact; 1: it is not,
or it could not be read.

ID is a full snapshot id, a unique prefix or the random part of one, or latest
(the newest snapshot with a valid manifest; each newer one whose manifest
cannot be used is named on stderr, with the reason).`,
		Example: `  pilotlight snapshot verify s3://dr-backups/orders?region=eu-west-1 latest
  pilotlight snapshot verify --encrypt-key-file /etc/pilotlight/snapshot.key gs://dr-backups-eu/orders 20261201T104128Z-3f9a1c2e`,
		Args: exactArgs(2, "snapshot verify needs the sink URL and a snapshot id (or latest)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			key, err := a.loadKeyFlag(keyFile)
			if err != nil {
				return err
			}
			s, m, err := a.loadSnapshot(ctx, args[0], args[1], key, key != nil)
			if err != nil {
				return err
			}
			defer s.Close()
			var read atomic.Int64
			rep := progress.Start(ctx, a.err, a.log, "verify "+m.ID, read.Load)
			res, err := snapshot.Verify(ctx, s, m, snapshot.VerifyOptions{Key: key, Parallel: parallel,
				OnRead: func(n int64) { read.Add(n) }})
			rep.Stop()
			if len(res.Failures) > 0 {
				for _, f := range res.Failures {
					fmt.Fprintf(a.out, "BAD  %s\n", f.Err)
				}
				return fmt.Errorf("snapshot %s is damaged: %d of %d objects bad; first: %w", m.ID, len(res.Failures), res.Objects, err)
			}
			if err != nil {
				return keyError(err)
			}
			what := "sizes and SHA-256 match the manifest; every object decompresses to the SQL size it records"
			if !res.Deep {
				what = "stored sizes and SHA-256 match the manifest (encrypted: add --encrypt-key-file to also decrypt and decompress)"
			}
			fmt.Fprintf(a.out, "ok  snapshot %s: %d objects, %s: %s\n", m.ID, res.Objects, progress.Bytes(res.Bytes), what)
			return nil
		},
	}
	storageFlags(c.Flags())
	c.Flags().StringVar(&keyFile, "encrypt-key-file", "", "key of an encrypted snapshot, to also decrypt and decompress every object (default: the config's snapshot.encrypt_key_file)")
	c.Flags().IntVar(&parallel, "parallel", snapshot.DefaultVerifyParallel, "objects read at once")
	return c
}
