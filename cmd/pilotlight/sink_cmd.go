package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/internal/config"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/backends"
)

func (a *app) sinkCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "sink",
		Short: "Check, list and copy objects in file://, s3://, gs:// and azblob:// storage",
		Long: `Sink URLs:
  file:///var/lib/pilotlight            a local directory (created when written to)
  s3://bucket/prefix?region=us-east-1&endpoint=http://127.0.0.1:9000&path_style=true
  gs://bucket/prefix                    (honours STORAGE_EMULATOR_HOST)
  azblob://container/prefix?account=NAME&endpoint=http://127.0.0.1:10000/devstoreaccount1

Credentials come from each cloud's standard chain, never from the URL:
  S3     AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, instance role
  GCS    GOOGLE_APPLICATION_CREDENTIALS, workload identity, gcloud credentials
  Azure  AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY,
         or managed / workload identity`,
		Example: `  pilotlight sink check s3://dr-backups/orders?region=eu-west-1
  pilotlight sink ls --long gs://dr-backups/orders
  pilotlight sink cp dump.sql.zst azblob://backups/orders/?account=drstore`,
	}
	storageFlags(c.PersistentFlags())
	c.AddCommand(a.sinkCheckCmd(), a.sinkLsCmd(), a.sinkCpCmd())
	return c
}

// openSink opens a sink to read (ls, cat, prune...): a missing file://
// directory is an error, not made.
func (a *app) openSink(ctx context.Context, raw string) (sinks.Sink, error) {
	return a.openSinkWith(ctx, raw, a.sinkOptions())
}

// openSinkToWrite opens a sink to write (cp, check): a missing file://
// directory is created.
func (a *app) openSinkToWrite(ctx context.Context, raw string) (sinks.Sink, error) {
	o := a.sinkOptions()
	o.Create = true
	return a.openSinkWith(ctx, raw, o)
}

func (a *app) sinkOptions() sinks.Options {
	st := a.cfg.Storage
	return sinks.Options{Logger: a.log, PartSize: int64(st.PartSize), Concurrency: st.Concurrency}
}

func (a *app) openSinkWith(ctx context.Context, raw string, o sinks.Options) (sinks.Sink, error) {
	st := a.cfg.Storage
	return backends.Open(ctx, raw, o,
		sinks.RetryPolicy{Attempts: st.Retry.Attempts, MinBackoff: st.Retry.MinBackoff, MaxBackoff: st.Retry.MaxBackoff, Logger: a.log})
}

// checkSinkLists refuses a list of sinks that names one sink twice (in
// another spelling, say): the config's storage.sinks, and snapshot.to or
// --to. Written to at once, such a pair would fail late and obscurely.
func checkSinkLists(cmd *cobra.Command, cfg config.Config) error {
	to := "snapshot.to"
	if f := cmd.Flags().Lookup("to"); f != nil && f.Changed {
		to = "--to"
	}
	for _, list := range []struct {
		name string
		urls []string
	}{{"storage.sinks", cfg.Storage.Sinks}, {to, cfg.Snapshot.To}} {
		if err := sinks.Distinct(list.urls); err != nil {
			return usageError{fmt.Errorf("%s: %w", list.name, err)}
		}
	}
	return nil
}

func (a *app) sinkCheckCmd() *cobra.Command {
	var asJSON bool
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "check [URL...]",
		Short: "Prove that a sink's credentials and permissions work before you need them",
		Long: `Writes a 64 KiB probe object under .pilotlight-check/, stats it, reads it back
and verifies it, finds it by listing, and deletes it. Each step is reported,
so a failure names the permission or setting that is missing. With no URL,
checks every sink in the config's storage.sinks. Exits 1 if any step fails.`,
		Example: `  pilotlight sink check s3://dr-backups/orders?region=eu-west-1
  pilotlight sink check gs://dr-backups/orders azblob://backups/orders?account=drstore
  pilotlight sink check --config pilotlight.yaml --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			urls := args
			if len(urls) == 0 {
				urls = a.cfg.Storage.Sinks
			}
			if len(urls) == 0 {
				return usagef("sink check: give a sink URL, or list sinks under storage.sinks in the config")
			}
			var reports []sinks.CheckReport
			var failed []error
			for _, raw := range urls {
				ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
				rep, err := a.checkOne(ctx, raw)
				cancel()
				if cmd.Context().Err() != nil {
					return cmd.Context().Err()
				}
				if err != nil {
					failed = append(failed, err)
				}
				if rep != nil {
					reports = append(reports, *rep)
					if !asJSON {
						a.printCheck(*rep)
					}
				}
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(reports); err != nil {
					return err
				}
			}
			return errors.Join(failed...)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	c.Flags().DurationVar(&timeout, "timeout", time.Minute, "give up on one sink after this long")
	return c
}

// checkOne checks one sink. A problem that makes every step fail the same
// way (bad URL, missing bucket, rejected credentials, unreachable endpoint)
// is one line, not five.
func (a *app) checkOne(ctx context.Context, raw string) (*sinks.CheckReport, error) {
	s, err := a.openSinkToWrite(ctx, raw) // as a snapshot would: a missing directory is made
	if err != nil {
		return nil, err
	}
	defer s.Close()
	rep := sinks.Check(ctx, s)
	if rep.OK() {
		return &rep, nil
	}
	first := rep.FirstError()
	for _, fatal := range []error{sinks.ErrNoBucket, sinks.ErrAuth, sinks.ErrUnreachable, sinks.ErrBadURL} {
		if errors.Is(first, fatal) && allFailed(rep) {
			return nil, fmt.Errorf("sink check: %w", first) // the backend's error names the sink
		}
	}
	return &rep, fmt.Errorf("sink check: %w", first)
}

func allFailed(rep sinks.CheckReport) bool {
	for _, st := range rep.Steps {
		if st.OK {
			return false
		}
	}
	return true
}

func (a *app) printCheck(rep sinks.CheckReport) {
	fmt.Fprintf(a.out, "%s\n", rep.Sink)
	tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	for _, st := range rep.Steps {
		status := "ok"
		if !st.OK {
			status = "FAILED"
		}
		line := fmt.Sprintf("  %s\t%s\t%s", st.Name, status, st.Duration.Round(time.Millisecond))
		if st.Err != "" {
			line += "\t" + st.Err
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	if rep.OK() {
		fmt.Fprintf(a.out, "  ready: write, read, list and delete all work\n")
	}
}
