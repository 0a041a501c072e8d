// Command rig starts and stops a shared set of test servers (see package testenv):
//
//	go run ./internal/testenv/rig up [--dir D] [--only minio,fakegcs,...]
//	go run ./internal/testenv/rig env [--dir D]
//	go run ./internal/testenv/rig down [--dir D]
//
// `up` prints each server's address and the `export PILOTLIGHT_RIG=...` line; running it
// again while the rig is up only prints the same. Kinds for --only: minio, moto, fakegcs,
// azurite, mariadb (both instances), mariadb-primary, mariadb-standby, redis, bind.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "rig:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: rig up|down|env [--dir D] [--only kind,...]")
	}
	cmd := args[0]
	fs := flag.NewFlagSet("rig "+cmd, flag.ContinueOnError)
	dir := fs.String("dir", testenv.DefaultRigDir(), "directory for the servers' data and the state file rig.json")
	only := fs.String("only", "", "comma-separated kinds to start (default all): "+strings.Join(kindChoices(), ","))
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch cmd {
	case "up":
		kinds, err := parseKinds(*only)
		if err != nil {
			return err
		}
		return up(*dir, kinds)
	case "down":
		if err := testenv.RigDown(*dir); err != nil {
			return err
		}
		fmt.Println("rig down:", *dir)
		return nil
	case "env":
		rig, err := testenv.LoadRig(*dir)
		if err != nil {
			return fmt.Errorf("no rig up in %s (run `rig up`): %w", *dir, err)
		}
		fmt.Println(rig.ExportLine())
		return nil
	}
	return fmt.Errorf("unknown command %q: want up, down or env", cmd)
}

func up(dir string, kinds []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rig, failed, err := testenv.RigUp(ctx, dir, kinds)
	if err != nil {
		return err
	}
	rig.WriteSummary(os.Stdout)
	ci := os.Getenv("CI") == "true" || os.Getenv("CI") == "1"
	var bad []string
	for _, kind := range testenv.Kinds() {
		ferr, ok := failed[kind]
		if !ok {
			continue
		}
		var missing *testenv.MissingBinaryError
		if errors.As(ferr, &missing) && !ci {
			fmt.Fprintf(os.Stderr, "rig: warning: %s not started: %v\n", kind, ferr)
			continue
		}
		fmt.Fprintf(os.Stderr, "rig: %s: %v\n", kind, ferr)
		bad = append(bad, kind)
	}
	if len(bad) > 0 {
		return fmt.Errorf("could not start %s", strings.Join(bad, ", "))
	}
	return nil
}

func kindChoices() []string {
	return append([]string{"mariadb"}, testenv.Kinds()...)
}

// parseKinds turns --only into kinds; "mariadb" means both instances.
func parseKinds(only string) ([]string, error) {
	var kinds []string
	for _, k := range strings.Split(only, ",") {
		switch k = strings.TrimSpace(strings.ToLower(k)); {
		case k == "":
		case k == "mariadb":
			kinds = append(kinds, testenv.KindMariaDBPrimary, testenv.KindMariaDBStandby)
		case slices.Contains(testenv.Kinds(), k):
			kinds = append(kinds, k)
		default:
			return nil, fmt.Errorf("unknown kind %q in --only (known: %s)", k, strings.Join(kindChoices(), ", "))
		}
	}
	slices.Sort(kinds)
	return slices.Compact(kinds), nil
}
