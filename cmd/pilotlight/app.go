package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/internal/config"
	"github.com/pilotlight-dr/pilotlight/internal/redact"
)

// Exit codes, documented in the README and in --help.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitBusy        = 75 // EX_TEMPFAIL: another run holds the lock; try later
	exitInterrupted = 130
)

type streams struct {
	in       io.Reader
	out, err io.Writer
}

// app is everything a command needs; there is no package state.
type app struct {
	streams
	lookup     func(string) (string, bool)
	configPath string
	cfg        config.Config
	log        *slog.Logger
	secrets    []string // values that must never be printed
}

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func run(args []string, s streams, lookup func(string) (string, bool)) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	a := &app{streams: s, lookup: lookup, secrets: envSecrets(lookup)}
	for _, arg := range args {
		a.secrets = append(a.secrets, redact.Secrets(arg)...)
	}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil:
		fmt.Fprintln(s.err, "pilotlight: interrupted")
		return exitInterrupted
	}
	fmt.Fprintln(s.err, "pilotlight: "+redact.String(err.Error(), a.secrets...))
	var be busyError
	if errors.As(err, &be) {
		return exitBusy
	}
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		fmt.Fprintln(s.err, "Run 'pilotlight --help' or add --help to the command for usage.")
		return exitUsage
	}
	return exitFailure
}

// isCobraUsage recognises cobra's own command-line errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// envSecrets lists secret values from the environment so that no log line or
// error ever repeats them, whatever a library puts in its messages.
func envSecrets(lookup func(string) (string, bool)) []string {
	var out []string
	for _, name := range []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_STORAGE_KEY",
		"AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_SAS_TOKEN", "AZURE_CLIENT_SECRET", "GOOGLE_OAUTH_ACCESS_TOKEN"} {
		if v, ok := lookup(name); ok && v != "" {
			out = append(out, v)
			if name == "AZURE_STORAGE_CONNECTION_STRING" {
				for _, part := range strings.Split(v, ";") {
					if k, val, ok := strings.Cut(part, "="); ok && redact.IsSensitiveName(k) {
						out = append(out, val)
					}
				}
			}
		}
	}
	return out
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "pilotlight",
		Short: "MySQL disaster recovery across clouds",
		Long: `pilotlight keeps a standby MySQL or MariaDB inside its RPO target and lets an
operator fail over to it safely: continuous binlog replication, consistent
snapshots streamed to S3, GCS and Azure Blob, restore and cutover.

Configuration comes from pilotlight.yaml (--config or $PILOTLIGHT_CONFIG);
every setting can also be given as a flag, and flags win.

Exit codes: 0 success, 1 failure, 2 usage error, 75 another run holds the lock
(snapshot), 130 interrupted.`,
		Example: `  pilotlight sink check s3://backups/orders?region=eu-west-1
  pilotlight sink cp dump.sql.zst gs://dr-bucket/manual/dump.sql.zst
  pilotlight config check --config /etc/pilotlight/pilotlight.yaml`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: a.setup,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "config file (default $"+config.EnvVar+"; none: built-in defaults)")
	pf.String("log-level", "", "log level: debug, info, warn, error (config log.level, default info)")
	pf.String("log-format", "", "log format: text or json (config log.format, default text)")
	root.AddCommand(a.versionCmd(), a.configCmd(), a.sinkCmd(), a.statusCmd(), a.replicateCmd(), a.checkpointCmd(),
		a.snapshotCmd(), a.restoreCmd())
	return root
}

// setup loads the config, applies flags over it and builds the logger.
func (a *app) setup(cmd *cobra.Command, _ []string) error {
	if a.configPath == "" {
		a.configPath, _ = a.lookup(config.EnvVar)
	}
	cfg, err := config.Load(a.configPath, a.lookup)
	if err != nil {
		return err
	}
	a.cfg = cfg
	if err := applyFlags(cmd, &a.cfg); err != nil {
		return err
	}
	for _, u := range a.cfg.Storage.Sinks {
		a.secrets = append(a.secrets, redact.Secrets(u)...)
	}
	a.log = newLogger(a.err, a.cfg.Log, a.secrets)
	a.limitMemory()
	if cmd.Annotations["validate"] == "self" {
		return nil // config check reports validation problems itself
	}
	if err := a.cfg.Validate(); err != nil {
		return err
	}
	return checkSinkLists(cmd, a.cfg)
}

// memoryHeadroom is what the process needs beside its upload buffers: the
// SDKs, TLS, the runtime.
const memoryHeadroom = 24 << 20

// limitMemory sets a soft heap limit of the upload buffers (part size x
// concurrency) plus headroom, unless the operator set GOMEMLIMIT. Buffers are
// reused, so the live heap is stable; without a limit the Go collector lets
// the heap grow to twice the live size before collecting, which would double
// the RSS a container must be given.
func (a *app) limitMemory() {
	if v, ok := a.lookup("GOMEMLIMIT"); ok && v != "" {
		return
	}
	st := a.cfg.Storage
	debug.SetMemoryLimit(int64(st.PartSize)*int64(st.Concurrency) + memoryHeadroom)
}

// tuneRuntime fits the Go runtime to a long-running replicate, unless the
// operator set GOGC or GOMAXPROCS:
//   - the heap may grow to 5x its live size before a collection: the live heap
//     is a few MiB of short-lived events, which the default collected dozens of
//     times a second (the soft memory limit of limitMemory still bounds it);
//   - at most half the CPUs (at least 1, at most 2) run Go code: replicate is one
//     planning goroutine and sessions waiting for the servers, and idle
//     processors spinning for work only took CPU from the standby or primary
//     next to it (measured on 2 cores: 20% less CPU, 6-11% faster replay).
func (a *app) tuneRuntime() {
	if v, ok := a.lookup("GOGC"); !ok || v == "" {
		debug.SetGCPercent(400)
	}
	if v, ok := a.lookup("GOMAXPROCS"); !ok || v == "" {
		runtime.GOMAXPROCS(min(2, max(1, runtime.GOMAXPROCS(0)/2))) // the default follows cgroup CPU limits
	}
}
