package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/internal/progress"
	"github.com/pilotlight-dr/pilotlight/snapshot/sanitize"
)

// snapshotSanitizeCmd is `pilotlight snapshot sanitize`: a filter that makes
// an existing dump loadable on a target where the loading user has no SUPER.
func (a *app) snapshotSanitizeCmd() *cobra.Command {
	var definer, gtidFile string
	var strip bool
	c := &cobra.Command{
		Use:   "sanitize [DUMP]",
		Short: "Make a mysqldump / mariadb-dump / mysqlpump file loadable without SUPER",
		Long: `Reads a dump (the DUMP file, or stdin; plain SQL, gzip or zstd, detected) and
writes plain SQL on stdout without what a user without SUPER cannot load, as on
RDS, Aurora, Azure Database for MySQL, Cloud SQL or any locked-down server:

  SET @@GLOBAL.GTID_PURGED=...        ERROR 1839/1840 or 1227; however many lines it spans
  SET GLOBAL gtid_slave_pos=...       (MariaDB) ERROR 1227
  CHANGE MASTER TO ..., START/STOP SLAVE     from --master-data / --dump-slave
  SET @@SESSION.SQL_LOG_BIN=0 and its save and restore     ERROR 1227
  DEFINER=... of views, triggers, procedures, functions, events     ERROR 1227

Definers are stripped by default, so each object belongs to the user who loads
the dump; --definer user@host names an account instead (the loading user's own,
unless it has SET USER). SQL SECURITY DEFINER stays. Commented-out lines
(-- CHANGE MASTER TO ...) are left alone.

Only statements change, never data: the dump is read statement by statement
(quotes, escapes, comments, /*!...*/ comments, DELIMITER), so rows and routine
bodies that contain GTID_PURGED, SQL_LOG_BIN or DEFINER= come out byte for
byte, where sed over lines deletes them. Memory stays constant whatever the
dump's size or line length.

The GTID set removed (MySQL uuid:1-5,uuid2:1-10, or MariaDB 0-1-100) goes to
--gtid-file, or to stderr with a one-line summary; stdout carries SQL only.
The load then runs as the target's own transactions; to make the target a
replica, set the GTID yourself (SET GLOBAL gtid_purged on MySQL, gtid_slave_pos
on MariaDB) or hand it to pilotlight replicate --start-gtid.

Input that is not a SQL dump (binary, empty, or a first statement that is not
SQL, as /etc/passwd or mysqldump --xml) is refused before anything is written:
one error line, exit 1.`,
		Example: `  # The classic case: an RDS MySQL dump loaded into Azure Database for MySQL
  mysqldump -h prod.xxxx.eu-west-1.rds.amazonaws.com -u admin -p --single-transaction \
      --routines --triggers --events --set-gtid-purged=ON shop | gzip > shop.sql.gz
  pilotlight snapshot sanitize --gtid-file shop.gtid shop.sql.gz \
      | mysql -h dr.mysql.database.azure.com -u loader -p shop
  # (Azure: set log_bin_trust_function_creators=ON in the server parameters
  #  first, or functions and triggers fail with ERROR 1419)

  # MariaDB, streaming; the objects will belong to app, who loads the result
  mariadb-dump --gtid --master-data=1 --routines --events shop \
      | pilotlight snapshot sanitize --definer 'app@%' | zstd > shop-clean.sql.zst

  # See what would change: diff the dump against its sanitized form
  pilotlight snapshot sanitize dump.sql.zst | diff <(zstd -dc dump.sql.zst) -`,
		Args:        cobra.MaximumNArgs(1),
		Annotations: map[string]string{"validate": "self"}, // a filter: the sinks and servers of the config do not matter
		RunE: func(cmd *cobra.Command, args []string) error {
			if strip && definer != "" {
				return usagef("--definer and --strip-definer contradict each other: give one")
			}
			if definer != "" {
				if _, err := sanitize.QuoteAccount(definer); err != nil {
					return usagef("--definer %s: %v", definer, err)
				}
			}
			name := "-"
			if len(args) == 1 {
				name = args[0]
			}
			return a.sanitize(cmd.Context(), name, definer, gtidFile)
		},
	}
	f := c.Flags()
	f.StringVar(&definer, "definer", "", "replace every DEFINER with this account (user@host) instead of stripping it")
	f.BoolVar(&strip, "strip-definer", false, "strip every DEFINER clause (the default), so the loading user owns the objects")
	f.StringVar(&gtidFile, "gtid-file", "", "write the removed GTID set to this file instead of stderr")
	return c
}

func (a *app) sanitize(ctx context.Context, name, definer, gtidFile string) error {
	var in io.Reader = a.in
	if name == "-" {
		name = "stdin"
	}
	if name != "stdin" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("open the dump: %w", err)
		}
		defer f.Close()
		in = f
	} else if f, ok := a.in.(*os.File); ok && progress.IsTerminal(f) {
		// A filter waiting on a terminal looks hung; say what it wants.
		return usagef("sanitize reads the dump from stdin: pipe one in, or name the file (pilotlight snapshot sanitize dump.sql.gz)")
	}
	counter := progress.NewCounter(in)
	start := time.Now()
	rep := progress.Start(ctx, a.err, a.log, "sanitize "+name, counter.Bytes)
	r, err := sanitize.Sanitize(ctx, a.out, counter, sanitize.Options{Definer: definer, Logger: a.log})
	rep.Stop()
	if err != nil {
		return fmt.Errorf("sanitize %s: %w", name, err)
	}
	if gtidFile != "" {
		var sets strings.Builder
		for _, g := range r.GTIDs {
			sets.WriteString(g.Set + "\n")
		}
		if err := writeFileAtomic(ctx, gtidFile, strings.NewReader(sets.String())); err != nil {
			return fmt.Errorf("write the GTID set to %s: %w", gtidFile, err)
		}
	}
	a.printSanitizeSummary(r, time.Since(start), gtidFile, definer)
	return nil
}

// printSanitizeSummary tells the operator on stderr what changed, and the
// GTID set unless it went to a file. Replication statements are listed: the
// binary log position in them is what a DBA may want back.
func (a *app) printSanitizeSummary(r sanitize.Report, d time.Duration, gtidFile, definer string) {
	var kinds []string
	count := map[string]int{}
	for _, rm := range r.Removed {
		if count[rm.What] == 0 {
			kinds = append(kinds, rm.What)
		}
		count[rm.What]++
	}
	removed := "nothing"
	if len(kinds) > 0 {
		parts := make([]string, len(kinds))
		for i, k := range kinds {
			parts[i] = fmt.Sprintf("%s x%d", k, count[k])
		}
		removed = strings.Join(parts, ", ")
	}
	did := "stripped"
	if definer != "" {
		did = "set to " + definer
	}
	fmt.Fprintf(a.err, "sanitized %s of SQL (%s input) in %s: removed %s; %d DEFINER clauses %s\n",
		progress.Bytes(r.BytesIn), r.Input, d.Round(time.Millisecond), removed, r.Definers, did)
	for _, rm := range r.Removed {
		if strings.HasPrefix(rm.What, "CHANGE ") || strings.HasPrefix(rm.What, "START ") || strings.HasPrefix(rm.What, "STOP ") {
			fmt.Fprintf(a.err, "  removed at byte %d: %s\n", rm.Offset, rm.Statement)
		}
	}
	switch {
	case len(r.GTIDs) == 0:
		fmt.Fprintln(a.err, "the dump sets no GTID position")
	case gtidFile != "":
		fmt.Fprintf(a.err, "GTID set (%s) written to %s\n", r.GTIDs[0].Variable, gtidFile)
	default:
		for _, g := range r.GTIDs {
			fmt.Fprintf(a.err, "GTID set removed (%s): %s\n", g.Variable, g.Set)
		}
	}
	if len(r.GTIDs) > 1 {
		fmt.Fprintf(a.err, "warning: the dump sets the GTID position %d times (several dumps in one file?); each set is on its own line\n", len(r.GTIDs))
	}
}
