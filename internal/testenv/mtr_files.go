package testenv

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Tests lists the test files matching each pattern, "suite.glob" as mariadb-test-run
// names them (main.type_*, gcol.*, json.json_no_table), sorted and without duplicates.
// A pattern that matches nothing is an error, so that a renamed file is noticed.
func (m *MTR) Tests(patterns ...string) ([]string, error) {
	var names []string
	for _, p := range patterns {
		suite, glob, ok := strings.Cut(p, ".")
		if !ok || suite == "" || glob == "" {
			return nil, fmt.Errorf("test pattern %q is not suite.name", p)
		}
		files, err := filepath.Glob(filepath.Join(m.suiteTestDir(suite), glob+".test"))
		if err != nil {
			return nil, fmt.Errorf("test pattern %q: %w", p, err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("test pattern %q matches no file in %s", p, m.suiteTestDir(suite))
		}
		for _, f := range files {
			names = append(names, suite+"."+strings.TrimSuffix(filepath.Base(f), ".test"))
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// File is the path of the test file named suite.name, and whether it exists.
func (m *MTR) File(name string) (string, bool) {
	suite, base, ok := strings.Cut(name, ".")
	if !ok {
		return "", false
	}
	p := filepath.Join(m.suiteTestDir(suite), base+".test")
	fi, err := os.Stat(p)
	return p, err == nil && !fi.IsDir()
}

func (m *MTR) suiteTestDir(suite string) string {
	if suite == "main" {
		return filepath.Join(m.Dir, "main")
	}
	return filepath.Join(m.Dir, "suite", suite, "t")
}

// stopsServer matches what shuts the server down: mysqltest's shutdown_server (used by
// include/restart_mysqld.inc and kill_mysqld.inc) and the SQL statement SHUTDOWN.
var stopsServer = regexp.MustCompile(`(?i)^\s*(--\s*)?shutdown_server\b|^\s*shutdown\s*;`)

// StopsServer reports whether the test named suite.name (or a file it sources) shuts
// the server down or restarts it, and where. mariadb-test-run cannot restart an extern
// server, but it would still shut it down: Run never runs such a file.
func (m *MTR) StopsServer(name string) (string, bool) {
	return m.Grep(name, stopsServer)
}

// sourceLine matches a mysqltest "source FILE" or "--source FILE" command.
var sourceLine = regexp.MustCompile(`^\s*(?:--\s*)?source\s+([^\s;]+)`)

// Grep looks for re in the lines (comments aside) of the test named suite.name and of
// the files it sources, recursively (a source through a variable is not followed). It
// returns the first match as "file:line: text", file relative to the suite directory.
func (m *MTR) Grep(name string, re *regexp.Regexp) (string, bool) {
	path, ok := m.File(name)
	if !ok {
		return "", false
	}
	seen := map[string]bool{}
	return m.grepFile(path, filepath.Dir(path), re, seen)
}

func (m *MTR) grepFile(path, testDir string, re *regexp.Regexp, seen map[string]bool) (string, bool) {
	if seen[path] {
		return "", false
	}
	seen[path] = true
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if re.MatchString(line) {
			rel, err := filepath.Rel(m.Dir, path)
			if err != nil {
				rel = path
			}
			return fmt.Sprintf("%s:%d: %s", rel, n, strings.TrimSpace(line)), true
		}
		if s := sourceLine.FindStringSubmatch(line); s != nil && !strings.Contains(s[1], "$") {
			if inc, ok := m.resolveSource(s[1], path, testDir); ok {
				if where, ok := m.grepFile(inc, testDir, re, seen); ok {
					return where, true
				}
			}
		}
	}
	return "", false
}

// resolveSource finds a sourced file as mysqltest does: relative to the suite directory
// (its working directory), then to the test's directory and its suite's, then to the
// including file's directory.
func (m *MTR) resolveSource(inc, from, testDir string) (string, bool) {
	if filepath.IsAbs(inc) {
		return inc, fileExists(inc)
	}
	for _, d := range []string{m.Dir, testDir, filepath.Dir(testDir), filepath.Dir(from)} {
		if p := filepath.Join(d, inc); fileExists(p) {
			return p, true
		}
	}
	return "", false
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
