package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// PILOTLIGHT_MTR_EXPLORE turns TestReplicateMTRExplore on: "1" for the default
// candidates, or test patterns separated by spaces or commas (main.type_*, gcol.*).
// PILOTLIGHT_MTR_CATALOGUE names the TSV file it appends one row per file to (default
// mtr-catalogue.tsv in the temp directory); files already in it are not run again, so an
// interrupted exploration resumes. PILOTLIGHT_MTR_BIN (mtrBinEnv) runs another build.
const (
	mtrExploreEnv   = "PILOTLIGHT_MTR_EXPLORE"
	mtrCatalogueEnv = "PILOTLIGHT_MTR_CATALOGUE"
)

// mtrExploreCandidates is the wide list the lists in replicate_mtr_lists_test.go came from.
func mtrExploreCandidates() []string {
	return []string{"main.type_*", "main.ctype_*", "main.trigger*", "main.sp*", "main.partition*",
		"gcol.*", "json.*", "main.json*", "main.view", "main.alter_table", "main.func_time", "main.create",
		"main.events*", "main.grant*", "main.myisam*", "main.insert*", "main.update*", "main.delete*",
		"main.replace", "main.dyncol", "main.func_json", "main.default", "main.auto_increment",
		"main.strict", "main.timezone*", "main.fulltext", "main.merge", "main.temp_table", "main.truncate",
		"main.foreign_key", "main.sql_mode", "main.check_constraint", "main.cte_recursive", "main.derived",
		"main.multi_update", "main.user_var", "main.rollback", "main.commit", "main.xa", "main.lock",
		// statement-based DML and RESET MASTER, for the refused list
		"main.implicit_commit", "main.set_statement", "main.multi_update_binlog", "main.xa_binlog", "main.ps"}
}

// mtrCatalogueHeader names the TSV columns.
const mtrCatalogueHeader = "file\tmtr\tmtr_detail\tmtr_s\treplicate\treplicate_error\ttables\tdiverged\tflags\ttotal_s"

// TestReplicateMTRExplore runs candidate test files ONE AT A TIME, each against a fresh
// primary and an empty standby with replicate --from-start, and writes a catalogue row
// per file: mariadb-test-run's outcome, whether replicate stopped (its error line) or
// caught up, and which tables differ. It asserts nothing about pilotlight: it is the
// tool that finds what TestReplicateMariaDBTestSuites must select or list as refused.
//
//	PILOTLIGHT_MTR_EXPLORE=1 PILOTLIGHT_MTR_CATALOGUE=/tmp/mtr.tsv \
//	  go test -count=1 -timeout 0 -parallel 2 -run TestReplicateMTRExplore ./cmd/pilotlight
func TestReplicateMTRExplore(t *testing.T) {
	spec := os.Getenv(mtrExploreEnv)
	if spec == "" {
		t.Skipf("exploration only: set %s=1 (or to test patterns) to run it", mtrExploreEnv)
	}
	m := testenv.NewMTR(t)
	bin := mtrReplicateBin(t)
	patterns := mtrExploreCandidates()
	if spec != "1" {
		patterns = strings.FieldsFunc(spec, func(r rune) bool { return r == ' ' || r == ',' })
	}
	names, err := m.Tests(patterns...)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := openCatalogue(os.Getenv(mtrCatalogueEnv))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cat.f.Close() })
	t.Logf("catalogue: %s (%d files, %d already in it); replicate is %s", cat.f.Name(), len(names), len(cat.done), bin)
	for _, name := range names {
		if cat.done[name] {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			row := exploreFile(t, m, bin, name)
			t.Log(row)
			if err := cat.add(row); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// exploreFile runs one file against a fresh pair and returns its catalogue row.
func exploreFile(t *testing.T, m *testenv.MTR, bin, name string) string {
	start := time.Now()
	flags := mtrFlags(m, name)
	if where, ok := m.StopsServer(name); ok {
		return tsvRow(name, "not run", "shuts the server down: "+where, "0", "-", "", "0", "", flags, "0")
	}
	p := newMTRPair(t, bin)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	res, err := m.Run(ctx, p.primary.MySQLServer, testenv.MTROptions{TestcaseTimeout: 5 * time.Minute}, name)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Log)
	}
	mt := res.Tests[0]
	cu, err := p.waitCaughtUp(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	outcome, tables, diverged := "caught up", "", ""
	switch {
	case cu.exited:
		outcome = fmt.Sprintf("stopped (exit %d)", cu.code)
	case !cu.caughtUp:
		outcome = "stuck: " + cu.String()
		cu.errLine = lastErrorLine(p.repl.stderr())
	}
	if !cu.caughtUp {
		t.Logf("replicate's last lines:\n%s", p.repl.stderrTail(15))
	}
	if cu.caughtUp {
		diffs, n, err := compareTables(ctx, p.pdb, p.sdb)
		if err != nil {
			t.Fatal(err)
		}
		tables, diverged = fmt.Sprint(n), strings.Join(diffs, "; ")
	}
	return tsvRow(name, string(mt.Status), mt.Detail, fmt.Sprintf("%.1f", res.Elapsed.Seconds()), outcome,
		cu.errLine, tables, diverged, flags, fmt.Sprintf("%.1f", time.Since(start).Seconds()))
}

// mtrFlagPatterns mark what a file itself does (not the files it sources: includes set
// sql_log_bin=0 around their own bookkeeping) that replication may rightly refuse or that
// explains a divergence; they help group the catalogue by cause.
func mtrFlagPatterns() [][2]string {
	return [][2]string{
		{"stmt-format", `(?im)^\s*set\s+(@@|session\s+|global\s+|@@session\.|@@global\.)?binlog_format\s*=\s*['"]?(statement|mixed)`},
		{"reset-master", `(?i)\breset\s+master\b`}, // also in a procedure, a trigger or an include
		{"sql_log_bin=0", `(?im)^\s*set\s+(@@session\.|session\s+)?sql_log_bin\s*=\s*(0|off)`},
		{"gtid-vars", `(?im)^\s*set\s+.*\b(gtid_domain_id|server_id|gtid_seq_no)\s*=`},
		{"xa", `(?im)^\s*xa\s+start\b`},
	}
}

func mtrFlags(m *testenv.MTR, name string) string {
	path, ok := m.File(name)
	if !ok {
		return ""
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var flags []string
	for _, f := range mtrFlagPatterns() {
		re := regexp.MustCompile(f[1])
		if _, inIncludes := m.Grep(name, re); re.Match(text) || f[0] == "reset-master" && inIncludes {
			flags = append(flags, f[0])
		}
	}
	return strings.Join(flags, ",")
}

func tsvRow(fields ...string) string {
	for i, f := range fields {
		f = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(f)
		if len(f) > 600 {
			f = f[:600] + "..."
		}
		fields[i] = f
	}
	return strings.Join(fields, "\t")
}

// catalogue is the TSV file rows are appended to, and the files already in it.
type catalogue struct {
	mu   sync.Mutex
	f    *os.File
	done map[string]bool
}

func openCatalogue(path string) (*catalogue, error) {
	if path == "" {
		path = os.TempDir() + "/mtr-catalogue.tsv"
	}
	c := &catalogue{done: map[string]bool{}}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			c.done[strings.SplitN(sc.Text(), "\t", 2)[0]] = true
		}
		f.Close()
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open catalogue: %w", err)
	}
	c.f = f
	if len(c.done) == 0 {
		if _, err := fmt.Fprintln(f, mtrCatalogueHeader); err != nil {
			return nil, fmt.Errorf("write catalogue: %w", err)
		}
	}
	return c, nil
}

func (c *catalogue) add(row string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := fmt.Fprintln(c.f, row); err != nil {
		return fmt.Errorf("write catalogue: %w", err)
	}
	return nil
}
