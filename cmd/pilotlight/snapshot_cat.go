package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/internal/config"
	"github.com/pilotlight-dr/pilotlight/internal/seal"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

func (a *app) snapshotCatCmd() *cobra.Command {
	var keyFile string
	var tables []string
	c := &cobra.Command{
		Use:   "cat URL ID [--table db.table]...",
		Short: "Stream a snapshot as one plain SQL script, to pipe into mysql or mariadb",
		Long: `Writes snapshot ID to stdout as one SQL script in load order: each database's
CREATE DATABASE, then each table's CREATE TABLE and its rows, then the
database's views, routines, triggers and events. Every object is checked
against the manifest as it streams (size and SHA-256); a damaged or missing
one stops the script with an error naming it and exit code 1, and the script
then ends with a SIGNAL statement, so that a load fed a damaged snapshot
fails even where nobody checks this command's exit code.

The script has no GTID_PURGED, no SQL_LOG_BIN and no DEFINER clauses, so a
user without SUPER can load it on a managed server. It does not set the
GTID position: the manifest's gtid_set (snapshot show) is where a replica of
the source would start.

--table keeps only the tables matching a db.table shell pattern (repeatable,
as replicate's --include: shop.*, shop.order_?, *.audit): their databases'
CREATE DATABASE and the tables' schema and rows; views, routines, triggers
and events are left out, since they may name other tables. A pattern that
matches no table is an error.

An encrypted snapshot needs --encrypt-key-file with the key it was written
with; a wrong key is named by its id before anything is written.

ID is a full snapshot id, a unique prefix or the random part of one, or latest
(the newest snapshot with a valid manifest; each newer one whose manifest
cannot be used is named on stderr, with the reason).`,
		Example: `  pilotlight snapshot cat s3://dr-backups/orders?region=eu-west-1 latest | mariadb -h standby
  pilotlight snapshot cat --table 'shop.orders' --table 'crm.*' file:///var/backups/pilotlight latest > part.sql
  pilotlight snapshot cat --encrypt-key-file /etc/pilotlight/snapshot.key gs://dr-backups-eu/orders 20261201T104128Z-3f9a1c2e | mysql`,
		Args: exactArgs(2, "snapshot cat needs the sink URL and a snapshot id (or latest)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, p := range tables {
				if err := config.CheckTablePattern(p); err != nil {
					return usagef("--table %q %v", p, err)
				}
			}
			key, err := a.loadKeyFlag(keyFile)
			if err != nil {
				return err
			}
			s, m, err := a.loadSnapshot(cmd.Context(), args[0], args[1], key, true)
			if err != nil {
				return err
			}
			defer s.Close()
			sel, err := m.Select(tables, nil)
			var unmatched *snapshot.UnmatchedPatternError
			if errors.As(err, &unmatched) {
				return usagef("--table %v", unmatched)
			}
			if err != nil {
				return err
			}
			return a.catFiles(cmd.Context(), s, m, sel.Files(), key)
		},
	}
	storageFlags(c.Flags())
	c.Flags().StringVar(&keyFile, "encrypt-key-file", "", "key of an encrypted snapshot: 32 raw bytes, 64 hex characters or base64 (default: the config's snapshot.encrypt_key_file)")
	c.Flags().StringArrayVar(&tables, "table", nil, "only tables matching this db.table shell pattern (repeatable)")
	return c
}

// catFiles streams files as one script. Each object ends with a newline
// so that no statement runs into the next object's first line.
func (a *app) catFiles(ctx context.Context, s sinks.Sink, m *snapshot.Manifest, files []snapshot.File, key *seal.Key) error {
	w := bufio.NewWriterSize(a.out, 256<<10)
	fmt.Fprintf(w, "-- pilotlight snapshot %s of %s (%s %s), gtid_set %q\n", m.ID, m.Source.Host, m.Source.Flavor, m.Source.Version, m.GTIDSet)
	if err := catObjects(ctx, w, s, m, files, key); err != nil {
		// What was written stays written; the script must not then load
		// as if complete, even where nobody checks this command's exit
		// code (a pipe without pipefail): end it with a statement that
		// fails, after a ; that ends any statement cut short.
		fmt.Fprintf(w, "\n;\nSIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'pilotlight snapshot cat: snapshot %s is incomplete or damaged';\n", m.ID)
		w.Flush()
		return err
	}
	return w.Flush()
}

func catObjects(ctx context.Context, w *bufio.Writer, s sinks.Sink, m *snapshot.Manifest, files []snapshot.File, key *seal.Key) error {
	buf := make([]byte, 128<<10)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		rc, err := snapshot.OpenFile(ctx, s, m, f, key)
		if err != nil {
			return fmt.Errorf("snapshot %s: %w", m.ID, keyError(err))
		}
		lw := &lastByte{w: w}
		_, err = io.CopyBuffer(lw, rc, buf)
		rc.Close()
		if err != nil {
			return fmt.Errorf("snapshot %s: %w", m.ID, err)
		}
		if lw.last != '\n' && lw.n > 0 {
			w.WriteByte('\n')
		}
	}
	return nil
}

// lastByte remembers the last byte written through it.
type lastByte struct {
	w    io.Writer
	last byte
	n    int64
}

func (l *lastByte) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	if n > 0 {
		l.last = p[n-1]
		l.n += int64(n)
	}
	return n, err
}
