package testenv

import (
	"regexp"
	"strings"
	"time"
)

// MTRStatus is a test file's outcome in one Run.
type MTRStatus string

// Outcomes of a test file. Failed means it ran and its output differs from its result
// file (or mysqltest gave up on it): against an extern server that is common and, for a
// workload, harmless.
const (
	MTRPassed  MTRStatus = "passed"
	MTRFailed  MTRStatus = "failed"
	MTRSkipped MTRStatus = "skipped" // by mariadb-test-run or the file itself (debug build, plugin, ...)
	MTRNotRun  MTRStatus = "not run" // the run ended before it
)

// MTRTest is one test file's outcome.
type MTRTest struct {
	Name   string // suite.name
	Status MTRStatus
	// Detail is the reason of a skip, or the first line explaining a failure.
	Detail string
}

// MTRResult is what one Run did.
type MTRResult struct {
	Tests []MTRTest // in the order Run was given them
	Log   string    // the file holding mariadb-test-run's whole output
	// VarDir is its --vardir, where log/NAME.log holds what each file sent and got; a run
	// that a file aborted went on in VarDir.2, VarDir.3...
	VarDir string
	// Elapsed is the time mariadb-test-run took, its own start-up (about a second) included.
	Elapsed time.Duration
}

// Count is the number of files with status s.
func (r *MTRResult) Count(s MTRStatus) int {
	n := 0
	for _, t := range r.Tests {
		if t.Status == s {
			n++
		}
	}
	return n
}

// merge sets the outcome of the files the run reported.
func (r *MTRResult) merge(got map[string]MTRTest) {
	for i, t := range r.Tests {
		if g, ok := got[t.Name]; ok && t.Status == MTRNotRun {
			r.Tests[i] = g
		}
	}
}

// resultLine is mariadb-test-run's line for one file:
//
//	main.type_blob                           [ fail ]
//	main.trigger                             [ skipped ]  Not as root
//	main.type_bit 'innodb'                   w1 [ pass ]    1234
var resultLine = regexp.MustCompile(`^(\S+\.\S+)(?:\s+'[^']*')?\s+(?:w\d+\s+)?\[ ([a-z-]+) \]\s*(.*)$`)

// parseMTR reads each file's outcome from mariadb-test-run's output. A failure's detail
// is mysqltest's first error under it, else its first line that says something ("Result
// content mismatch").
func parseMTR(out string) map[string]MTRTest {
	got := map[string]MTRTest{}
	var failing string   // the failed file whose explanation is being read
	var firstLine string // the first explaining line under it
	done := func() {
		if t, ok := got[failing]; ok && t.Detail == "" {
			t.Detail = firstLine
			got[failing] = t
		}
		failing, firstLine = "", ""
	}
	for _, line := range strings.Split(out, "\n") {
		m := resultLine.FindStringSubmatch(line)
		if m == nil {
			if failing == "" {
				continue
			}
			l := strings.TrimSpace(strings.TrimPrefix(line, "+"))
			switch {
			case strings.HasPrefix(l, "mysqltest:"):
				firstLine = l
				done()
			case strings.HasPrefix(line, "The servers were restarted"), strings.HasPrefix(line, "Completed:"):
				done()
			case firstLine == "" && l != "" && !uninformative(l):
				firstLine = l
			}
			continue
		}
		done()
		t := MTRTest{Name: m[1], Detail: strings.TrimSpace(m[3])}
		switch m[2] {
		case "pass", "retry-pass":
			t.Status, t.Detail = MTRPassed, ""
		case "skipped", "disabled":
			t.Status = MTRSkipped
		default: // fail, retry-fail, and whatever a newer runner prints
			t.Status = MTRFailed
			failing = t.Name
		}
		got[t.Name] = t
	}
	done()
	return got
}

// uninformative: lines under a failure that explain nothing (time, diff headers, paths).
func uninformative(l string) bool {
	for _, p := range []string{"Test ended at", "---", "+++", "@@", "- saving", "More results", "worker["} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}
