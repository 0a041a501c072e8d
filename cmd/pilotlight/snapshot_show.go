package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/internal/progress"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

func (a *app) snapshotShowCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "show URL ID",
		Short: "Describe one snapshot: GTID set, source, consistency, tables and sizes",
		Long: `Prints a summary of snapshot ID on URL: when and from which server it was
taken, its GTID set and binlog position, how it was made consistent, whether
it is encrypted (and the id of the key it needs), and per table its rows,
chunks and sizes. --json prints the manifest itself.

ID is a full snapshot id, a unique prefix or the random part of one, or
latest (the newest snapshot with a valid manifest; each newer one whose
manifest cannot be used is named on stderr, with the reason).`,
		Example: `  pilotlight snapshot show s3://dr-backups/orders?region=eu-west-1 latest
  pilotlight snapshot show --json file:///var/backups/pilotlight 20261201T104128Z-3f9a1c2e | jq .gtid_set`,
		Args: exactArgs(2, "snapshot show needs the sink URL and a snapshot id (or latest)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, m, err := a.loadSnapshot(cmd.Context(), args[0], args[1], nil, false)
			if err != nil {
				return err
			}
			defer s.Close()
			if asJSON {
				b, err := m.Marshal()
				if err != nil {
					return err
				}
				_, err = a.out.Write(b)
				return err
			}
			a.printManifest(m)
			return nil
		},
	}
	storageFlags(c.Flags())
	c.Flags().BoolVar(&asJSON, "json", false, "print the manifest (JSON)")
	return c
}

func (a *app) printManifest(m *snapshot.Manifest) {
	stored, raw := m.Bytes()
	tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, args...)...) }
	row("Snapshot", "%s", m.ID)
	took := ""
	if !m.Finished.IsZero() && !m.Started.IsZero() {
		took = fmt.Sprintf(" (took %s)", m.Finished.Sub(m.Started).Round(time.Second))
	}
	row("Time", "%s UTC%s", m.Started.UTC().Format(timeLayout), took)
	src := m.Source
	srcLine := fmt.Sprintf("%s %s at %s, server id %d", src.Flavor, src.Version, src.Host, src.ServerID)
	if src.ServerUUID != "" {
		srcLine += ", uuid " + src.ServerUUID
	}
	row("Source", "%s", srcLine)
	gtid := m.GTIDSet
	if gtid == "" {
		gtid = "(none: the server had written no GTID)"
	}
	row("GTID set", "%s", gtid)
	if m.BinlogFile != "" {
		row("Binlog", "%s:%d", m.BinlogFile, m.BinlogPos)
	}
	cons := m.Consistency
	if m.Stream != "" {
		cons += " (stream " + m.Stream + ")"
	}
	row("Consistency", "%s", cons)
	if m.Encryption != nil {
		row("Encryption", "%s, key id %s (cat and restore need that key file)", m.Encryption.Algorithm, m.Encryption.KeyID)
	} else {
		row("Encryption", "none")
	}
	row("Size", "%s stored (%s), %s of SQL", progress.Bytes(stored), m.Compression, progress.Bytes(raw))
	row("Contents", "%d rows in %d tables of %d %s, %d objects", m.Rows(), tableCount(m), len(m.Schemas),
		plural(len(m.Schemas), "database", "databases"), len(m.Files()))
	row("Written by", "%s, %d threads", m.Tool, m.Threads)
	tw.Flush()

	fmt.Fprintln(a.out)
	tw = tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DATABASE\tTABLE\tROWS\tCHUNKS\tSTORED\tSQL\tKEY")
	for _, s := range m.Schemas {
		for _, t := range s.Tables {
			var st, sq int64
			for _, c := range t.Chunks {
				st += c.Bytes
				sq += c.RawBytes
			}
			key := strings.Join(t.Key, ",")
			if key == "" {
				key = "(whole)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", s.Name, t.Name, t.Rows, len(t.Chunks), progress.Bytes(st), progress.Bytes(sq), key)
		}
		if s.Objects != nil {
			fmt.Fprintf(tw, "%s\t(views, triggers, ...)\t\t\t%s\t%s\t\n", s.Name, progress.Bytes(s.Objects.Bytes), progress.Bytes(s.Objects.RawBytes))
		}
	}
	tw.Flush()
}
