package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/internal/progress"
	"github.com/pilotlight-dr/pilotlight/internal/redact"
	"github.com/pilotlight-dr/pilotlight/internal/seal"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

// timeLayout is how snapshot times are shown to people: always UTC.
const timeLayout = "2006-01-02 15:04:05"

func (a *app) snapshotLsCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "ls URL",
		Short: "List the snapshots on a sink, oldest first",
		Long: `Lists the snapshots under URL/snapshots/ that have a manifest, oldest first:
id, start time (UTC), stored size, rows, tables, whether encrypted, the
consistency method and the GTID set. A directory without a manifest is a
snapshot still being written, or one that failed: it is not listed, and the
count of them is printed on stderr ('snapshot prune' removes the old ones).
A snapshot whose manifest cannot be read is listed with the reason.

--json prints an array, oldest first, of objects with id, time, finished,
gtid_set, binlog_file, binlog_pos, bytes (stored), raw_bytes (SQL), rows,
tables, databases, consistency, encrypted, key_id, source and, for an
unreadable manifest, error.`,
		Example: `  pilotlight snapshot ls s3://dr-backups/orders?region=eu-west-1
  pilotlight snapshot ls --json gs://dr-backups-eu/orders | jq -r '.[-1].gtid_set'`,
		Args: exactArgs(1, "snapshot ls needs the sink URL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.openSink(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer s.Close()
			entries, incomplete, err := snapshot.List(cmd.Context(), s)
			if err != nil {
				return err
			}
			if asJSON {
				err = a.printEntriesJSON(entries)
			} else {
				a.printEntries(s, entries)
			}
			if incomplete > 0 {
				fmt.Fprintf(a.err, "note: %d incomplete snapshot %s on %s (no manifest: still being written, or failed); 'pilotlight snapshot prune' removes those older than --incomplete-after\n",
					incomplete, plural(incomplete, "directory", "directories"), s)
			}
			return err
		},
	}
	storageFlags(c.Flags())
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array, oldest first")
	return c
}

// entryJSON is one snapshot in `snapshot ls --json`.
type entryJSON struct {
	ID          string          `json:"id"`
	Time        time.Time       `json:"time"`
	Finished    *time.Time      `json:"finished,omitempty"`
	GTIDSet     string          `json:"gtid_set"`
	BinlogFile  string          `json:"binlog_file,omitempty"`
	BinlogPos   uint64          `json:"binlog_pos,omitempty"`
	Bytes       int64           `json:"bytes"`
	RawBytes    int64           `json:"raw_bytes"`
	Rows        int64           `json:"rows"`
	Tables      int             `json:"tables"`
	Databases   int             `json:"databases"`
	Consistency string          `json:"consistency"`
	Encrypted   bool            `json:"encrypted"`
	KeyID       string          `json:"key_id,omitempty"`
	Source      snapshot.Source `json:"source"`
	Error       string          `json:"error,omitempty"`
}

func (a *app) printEntriesJSON(entries []snapshot.Entry) error {
	out := make([]entryJSON, 0, len(entries))
	for _, e := range entries {
		j := entryJSON{ID: e.ID, Time: e.Time.UTC()}
		if !e.Good() {
			j.Error = e.Err.Error()
			out = append(out, j)
			continue
		}
		m := e.Manifest
		fin := m.Finished.UTC()
		j.Finished = &fin
		j.GTIDSet, j.BinlogFile, j.BinlogPos = m.GTIDSet, m.BinlogFile, m.BinlogPos
		j.Bytes, j.RawBytes = m.Bytes()
		j.Rows, j.Tables, j.Databases = m.Rows(), tableCount(m), len(m.Schemas)
		j.Consistency, j.Source = m.Consistency, m.Source
		if m.Encryption != nil {
			j.Encrypted, j.KeyID = true, m.Encryption.KeyID
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(a.out)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func (a *app) printEntries(s sinks.Sink, entries []snapshot.Entry) {
	if len(entries) == 0 {
		fmt.Fprintf(a.out, "no snapshots on %s\n", s)
		return
	}
	tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME (UTC)\tSIZE\tROWS\tTABLES\tENCRYPTED\tCONSISTENCY\tGTID SET")
	var total int64
	for _, e := range entries {
		if !e.Good() {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\tUNREADABLE\t%v\n", e.ID, e.Time.UTC().Format(timeLayout), e.Err)
			continue
		}
		m := e.Manifest
		stored, _ := m.Bytes()
		total += stored
		enc := "no"
		if m.Encryption != nil {
			enc = "yes"
		}
		gtid := m.GTIDSet
		if gtid == "" {
			gtid = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", e.ID, e.Time.UTC().Format(timeLayout),
			progress.Bytes(stored), m.Rows(), tableCount(m), enc, m.Consistency, gtid)
	}
	tw.Flush()
	fmt.Fprintf(a.out, "%d %s, %s\n", len(entries), plural(len(entries), "snapshot", "snapshots"), progress.Bytes(total))
}

func tableCount(m *snapshot.Manifest) int {
	n := 0
	for _, s := range m.Schemas {
		n += len(s.Tables)
	}
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// loadKeyFlag loads the key file named by --encrypt-key-file, or else by
// the config's snapshot.encrypt_key_file (the key the snapshots are written
// with); nil when neither is set.
func (a *app) loadKeyFlag(path string) (*seal.Key, error) {
	what := "--encrypt-key-file"
	if path == "" {
		path, what = a.cfg.Snapshot.EncryptKeyFile, "snapshot.encrypt_key_file"
	}
	if path == "" {
		return nil, nil
	}
	k, err := seal.LoadKeyFile(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("%s: %w", what, err)}
	}
	if w := k.Warning(); w != "" {
		a.log.Warn(w)
	}
	return &k, nil
}

// loadSnapshot opens the sink and the manifest of id, and checks key
// against it when the snapshot is encrypted and needKey is set. Every
// command that takes a snapshot id (show, verify, cat) resolves it here: when
// "latest" passes over newer snapshots whose manifests cannot be used, each
// is named on stderr with the reason, and the older one is used.
func (a *app) loadSnapshot(ctx context.Context, url, id string, key *seal.Key, needKey bool) (sinks.Sink, *snapshot.Manifest, error) {
	s, err := a.openSink(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	r, err := snapshot.Resolve(ctx, s, id)
	if err == nil {
		for _, e := range r.Skipped {
			fmt.Fprintf(a.err, "warning: latest is %s: skipped the newer snapshot %s, whose manifest cannot be used: %s\n",
				r.Manifest.ID, e.ID, oneLine(redact.String(e.Err.Error(), a.secrets...)))
		}
	}
	if err == nil && needKey {
		err = keyError(snapshot.CheckKey(r.Manifest, key))
	}
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, r.Manifest, nil
}

// oneLine folds a message onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// keyError adds the fix to a missing or wrong key.
func keyError(err error) error {
	var wk *seal.WrongKeyError
	switch {
	case errors.Is(err, snapshot.ErrKeyRequired):
		return fmt.Errorf("%w: give --encrypt-key-file (or snapshot.encrypt_key_file in the config) with the key it was written with", err)
	case errors.As(err, &wk):
		return fmt.Errorf("encryption key: %w", err)
	}
	return err
}
