package testenv

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// fakeTB records Skipf/Fatalf instead of ending the test.
type fakeTB struct {
	testing.TB
	skipped, fatal string
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Name() string                   { return "fake" }
func (f *fakeTB) Skipf(format string, a ...any)  { f.skipped = fmt.Sprintf(format, a...) }
func (f *fakeTB) Fatalf(format string, a ...any) { f.fatal = fmt.Sprintf(format, a...) }

func TestMissingBinarySkipsOutsideCIAndFailsInCI(t *testing.T) {
	_, err := findBinary("pilotlight-no-such-server")
	if err == nil {
		t.Fatal("findBinary found a binary that does not exist")
	}
	for _, tc := range []struct {
		ci       string
		wantSkip bool
	}{{"", true}, {"false", true}, {"true", false}, {"1", false}} {
		t.Setenv("CI", tc.ci)
		f := &fakeTB{}
		fail(f, fmt.Errorf("start x: %w", err))
		msg := f.skipped + f.fatal
		if (f.skipped != "") != tc.wantSkip || (f.fatal != "") == tc.wantSkip {
			t.Errorf("CI=%q: skipped=%q fatal=%q, want skip=%v", tc.ci, f.skipped, f.fatal, tc.wantSkip)
		}
		for _, want := range []string{"pilotlight-no-such-server", "make deps"} {
			if !strings.Contains(msg, want) {
				t.Errorf("CI=%q: message %q does not name %q", tc.ci, msg, want)
			}
		}
	}
}

func TestOtherStartErrorsFailEvenOutsideCI(t *testing.T) {
	t.Setenv("CI", "")
	f := &fakeTB{}
	fail(f, fmt.Errorf("minio did not start"))
	if f.skipped != "" || f.fatal == "" {
		t.Fatalf("skipped=%q fatal=%q, want a failure", f.skipped, f.fatal)
	}
}

func TestUniqueNameIsValidEverywhere(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range []string{"TestX", "Test/Sub_Case #1", "Test" + strings.Repeat("Long--Name_", 20), "___", "é"} {
		n := uniqueName(namedTB{t, name})
		if len(n) < 3 || len(n) > 63 {
			t.Errorf("%q -> %q: length %d", name, n, len(n))
		}
		if strings.Contains(n, "--") || strings.HasPrefix(n, "-") || strings.HasSuffix(n, "-") {
			t.Errorf("%q -> %q: bad hyphens", name, n)
		}
		for _, r := range n {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Errorf("%q -> %q: bad character %q", name, n, r)
			}
		}
		if seen[n] {
			t.Errorf("%q -> %q: not unique", name, n)
		}
		seen[n] = true
	}
}

type namedTB struct {
	testing.TB
	name string
}

func (n namedTB) Name() string { return n.name }
