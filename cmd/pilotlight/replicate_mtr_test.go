package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// TestReplicateMariaDBTestSuites (issue 8): SQL nobody here wrote. MariaDB's own test
// files (Debian's mariadb-test package) run with mariadb-test-run --extern against a
// fresh primary while pilotlight replicate --from-start feeds an empty standby. Whether
// the files pass against their result files does not matter. What does: replicate
// never stops, the standby's checkpoint reaches the primary's gtid_binlog_pos, and the
// same tables exist on both sides with the same CHECKSUM TABLE.
//
// One pair runs every batch, one mariadb-test-run each, and the standby is checked
// after each. One fresh pair per file would attribute every problem to one file, but
// starting two servers and replicate costs about 10 s a file on this 2-core machine
// (measured: 12 to 20 s a file for files whose SQL runs in 1 to 8 s), so the budget of
// a few minutes would hold a dozen files; in batches it holds a hundred and more, and
// a batch still names the files a problem came from. Tables left behind by one file
// (a statement failed against these servers' settings) are real SQL for the next.
// The one-file-per-pair exploration (TestReplicateMTRExplore) is behind the lists in
// replicate_mtr_lists_test.go; docs/replicate.md says what the files found.
// PILOTLIGHT_MTR_BIN runs another build of pilotlight as replicate.
func TestReplicateMariaDBTestSuites(t *testing.T) {
	m := testenv.NewMTR(t)
	batches := mtrBatches(t, m)
	p := newMTRPair(t, mtrReplicateBin(t))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	if _, err := p.pdb.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS test"); err != nil {
		t.Fatal(err)
	}

	var summary []string
	seen := map[string]bool{} // differences already reported by an earlier batch
	ran, pos := 0, ""
	defer func() { t.Logf("summary (file, mariadb-test-run, replicate):\n%s", strings.Join(summary, "\n")) }()
	for i, batch := range batches {
		res, err := m.Run(ctx, p.primary.MySQLServer, testenv.MTROptions{TestcaseTimeout: 3 * time.Minute}, batch...)
		if err != nil {
			t.Fatalf("batch %d: %v", i+1, err)
		}
		cu, err := p.waitCaughtUp(ctx, 2*time.Minute)
		if err != nil {
			t.Fatalf("batch %d: %v\nreplicate's last lines:\n%s", i+1, err, p.repl.stderrTail(20))
		}
		for _, tc := range res.Tests {
			summary = append(summary, fmt.Sprintf("%-50s %-8s batch %d (%.0fs): %s", tc.Name, tc.Status, i+1,
				res.Elapsed.Seconds(), cu))
		}
		if !cu.caughtUp {
			t.Fatalf("batch %d (%s): replicate %s\nreplicate's last lines:\n%s", i+1, strings.Join(batch, " "), cu,
				p.repl.stderrTail(20))
		}
		diffs, n, err := compareTables(ctx, p.pdb, p.sdb)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range diffs {
			if !seen[d] {
				seen[d] = true
				t.Errorf("after batch %d (%s): %s", i+1, strings.Join(batch, " "), d)
			}
		}
		ran += res.Count(testenv.MTRPassed) + res.Count(testenv.MTRFailed)
		pos = cu.pos
		t.Logf("batch %d: %d files in %.0fs (%d passed, %d failed, %d skipped); standby caught up at %s; %d tables compared",
			i+1, len(batch), res.Elapsed.Seconds(), res.Count(testenv.MTRPassed), res.Count(testenv.MTRFailed),
			res.Count(testenv.MTRSkipped), cu.pos, n)
	}
	// A run where mariadb-test-run skipped everything (or could not connect) would pass
	// the checks above without testing anything.
	files := 0
	for _, b := range batches {
		files += len(b)
	}
	if g, err := mysqlx.Parse(mysqlx.MariaDB, pos); err != nil || ran < files/2 || g.Count() < 1000 {
		t.Errorf("only %d of %d files ran and the primary is at %q (%v): the workload did not happen", ran, files, pos, err)
	}
	if code := p.repl.stop(t); code != 0 {
		t.Errorf("replicate: exit %d after SIGTERM, want 0\n%s", code, p.repl.stderrTail(20))
	}
}

// mtrBatches expands the selection, drops the refused, unreplicable and slow files (logging
// them with their reasons) and cuts the rest into batches.
func mtrBatches(t *testing.T, m *testenv.MTR) [][]string {
	t.Helper()
	names, err := m.Tests(mtrSelection()...)
	if err != nil {
		t.Fatal(err)
	}
	excluded := map[string]string{}
	for name, r := range mtrRefused() {
		excluded[name] = "refused: " + r.why
	}
	for name, why := range mtrUnreplicable() {
		excluded[name] = "unreplicable: " + why
	}
	for name, why := range mtrSlow() {
		excluded[name] = "slow: " + why
	}
	for name, why := range excluded {
		if _, ok := m.File(name); !ok {
			t.Errorf("%s is listed (%s) but is not in %s: update the list", name, why, m.Dir)
		}
	}
	var run []string
	for _, n := range names {
		if _, ok := excluded[n]; !ok {
			run = append(run, n)
		}
	}
	var notRun []string
	for _, n := range slices.Sorted(maps.Keys(excluded)) {
		notRun = append(notRun, fmt.Sprintf("%-50s %s", n, excluded[n]))
	}
	t.Logf("%d files selected, %d not run:\n%s", len(run), len(notRun), strings.Join(notRun, "\n"))
	var batches [][]string
	for chunk := range slices.Chunk(run, mtrBatchSize) {
		batches = append(batches, chunk)
	}
	return batches
}

// TestReplicateRefusesMariaDBTests (issue 8): the MariaDB test files whose SQL
// pilotlight rightly refuses (mtrRefused) make replicate stop, exit 1, with one line
// that names the problem, never apply something else or stall. One fresh pair each, so
// that the stop is the file's, and one file per refusal (the first by name), which
// keeps the test to a minute or two.
func TestReplicateRefusesMariaDBTests(t *testing.T) {
	m := testenv.NewMTR(t)
	bin := mtrReplicateBin(t)
	refused := mtrRefused()
	tried := map[string]bool{} // one file per refusal: the first in order
	for _, name := range slices.Sorted(maps.Keys(refused)) {
		want := refused[name].want
		if tried[want] {
			continue
		}
		tried[want] = true
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, ok := m.File(name); !ok {
				t.Fatalf("%s is listed but is not in %s: update mtrRefused", name, m.Dir)
			}
			p := newMTRPair(t, bin)
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
			defer cancel()
			if _, err := m.Run(ctx, p.primary.MySQLServer, testenv.MTROptions{TestcaseTimeout: 5 * time.Minute}, name); err != nil {
				t.Fatal(err)
			}
			cu, err := p.waitCaughtUp(ctx, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if !cu.exited || cu.code != 1 || !strings.Contains(cu.errLine, want) {
				t.Fatalf("replicate %s; want it stopped (exit 1) with a line containing %q\nreplicate's last lines:\n%s",
					cu, want, p.repl.stderrTail(15))
			}
			t.Logf("stopped as it should: %s", cu.errLine)
		})
	}
}
