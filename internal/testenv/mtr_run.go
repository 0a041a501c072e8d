package testenv

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// MTROptions tunes one Run; zero values mean the defaults.
type MTROptions struct {
	// TestcaseTimeout bounds one file (mariadb-test-run --testcase-timeout, in whole
	// minutes); default 10 minutes. The whole run is bounded by Run's context.
	TestcaseTimeout time.Duration
	// StopAtFirstError stops each file at its first failing statement (--force once).
	// By default mysqltest goes on to the file's end (--force --force, mysqltest's
	// --continue-on-error): against a server configured unlike MariaDB's own test servers
	// many statements fail, and stopping there would leave most of a file's SQL unrun and
	// its tables behind for the next file to trip over.
	StopAtFirstError bool
}

// Run runs the named test files (suite.name) with mariadb-test-run --extern against s,
// one after the other in one run, and returns each file's outcome. s needs the database
// test (MariaDB's install creates it); Run creates it when it is missing. Files that
// would shut s down (StopsServer) and files that do not exist are reported as skipped
// and not run.
//
// The error is for a run that could not be made or did not end (ctx, a mariadb-test-run
// error); files failing against their result files are no error. The result is valid
// with an error too: files the run did not reach are MTRNotRun.
func (m *MTR) Run(ctx context.Context, s *MySQLServer, opts MTROptions, tests ...string) (*MTRResult, error) {
	n := m.runs.Add(1)
	res := &MTRResult{VarDir: filepath.Join(m.work, fmt.Sprintf("run-%d", n)),
		Log: filepath.Join(m.work, fmt.Sprintf("run-%d.log", n))}
	var run []string
	for _, name := range tests {
		if _, ok := m.File(name); !ok {
			res.Tests = append(res.Tests, MTRTest{Name: name, Status: MTRSkipped, Detail: "not found in " + m.Dir})
			continue
		}
		if where, ok := m.StopsServer(name); ok {
			res.Tests = append(res.Tests, MTRTest{Name: name, Status: MTRSkipped,
				Detail: "shuts the server down, not run against an extern server (" + where + ")"})
			continue
		}
		res.Tests = append(res.Tests, MTRTest{Name: name, Status: MTRNotRun})
		run = append(run, name)
	}
	if len(run) == 0 {
		return res, nil
	}
	if err := ensureTestDB(ctx, s); err != nil {
		return res, err
	}
	start := time.Now()
	defer func() { res.Elapsed = time.Since(start) }()
	// A file can abort the whole run (mariadb-test-run cannot read what the server wrote
	// into its vardir as root): that file counts as failed and the run goes on after it,
	// in a new vardir. --noreorder keeps the files in order, so the aborting one is the
	// first the run did not report.
	for k := 1; len(run) > 0; k++ {
		vardir := res.VarDir
		if k > 1 {
			vardir += "." + strconv.Itoa(k)
		}
		out, err := m.exec(ctx, m.args(ctx, s, opts, vardir, run), res.Log)
		got := parseMTR(out)
		res.merge(got)
		var aborted *mtrAbort
		if !errors.As(err, &aborted) || !strings.Contains(out, "TIME (ms) or COMMENT") {
			return res, err // no abort, or one before any file ran (a setup error)
		}
		i := slices.IndexFunc(run, func(name string) bool { _, ok := got[name]; return !ok })
		if i < 0 {
			return res, err
		}
		res.merge(map[string]MTRTest{run[i]: {Name: run[i], Status: MTRFailed,
			Detail: "aborted mariadb-test-run: " + aborted.reason}})
		run = run[i+1:]
	}
	return res, nil
}

// args is the mariadb-test-run command line (after the script) for one run.
func (m *MTR) args(ctx context.Context, s *MySQLServer, opts MTROptions, vardir string, tests []string) []string {
	a := []string{"--extern", "host=" + s.Host, "--extern", "port=" + strconv.Itoa(s.Port),
		"--extern", "user=" + s.User}
	if s.Password != "" {
		a = append(a, "--extern", "password="+s.Password)
	}
	// Files connect to "localhost", which is the socket: without it those connections fail.
	if sock := m.reachableSocket(s); sock != "" {
		a = append(a, "--extern", "socket="+sock)
	}
	timeout := opts.TestcaseTimeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	a = append(a, "--vardir="+vardir, "--force", "--max-test-fail=0", "--retry=1", "--skip-not-found", "--noreorder",
		"--testcase-timeout="+strconv.Itoa(ceilMinutes(timeout)))
	if !opts.StopAtFirstError {
		a = append(a, "--force")
	}
	if d, ok := ctx.Deadline(); ok { // mariadb-test-run's own bound, a minute after ctx's
		a = append(a, "--suite-timeout="+strconv.Itoa(ceilMinutes(time.Until(d))+1))
	}
	return append(a, tests...)
}

// reachableSocket is s's socket when the user running mariadb-test-run can reach it: for
// nobody, the directory holding it gets o+x (traverse only: its files stay private).
func (m *MTR) reachableSocket(s *MySQLServer) string {
	if s.Socket == "" {
		return ""
	}
	if _, err := os.Stat(s.Socket); err != nil {
		return ""
	}
	if m.cred != nil {
		dir := filepath.Dir(s.Socket)
		fi, err := os.Stat(dir)
		if err != nil || os.Chmod(dir, fi.Mode().Perm()|0o111) != nil {
			return ""
		}
	}
	return s.Socket
}

func ceilMinutes(d time.Duration) int { return max(1, int((d+time.Minute-1)/time.Minute)) }

// mtrAbort is a mariadb-test-run that ended with its own "*** ERROR", not with failing files.
type mtrAbort struct{ reason, log string }

func (e *mtrAbort) Error() string {
	return "mariadb-test-run: " + e.reason + " (output in " + e.log + ")"
}

// exec runs mariadb-test-run with args in the suite directory, its output appended to
// logPath, and returns the output. Ending ctx kills its whole process group.
func (m *MTR) exec(ctx context.Context, args []string, logPath string) (string, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return "", fmt.Errorf("mariadb-test-run: %w", err)
	}
	defer logf.Close()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(m.Dir, "mariadb-test-run"), args...)
	cmd.Dir = m.Dir
	cmd.Env = append(os.Environ(), "HOME="+m.work, "PATH="+os.Getenv("PATH")+":/usr/sbin:/usr/local/sbin")
	cmd.Stdout = io.MultiWriter(logf, &out)
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: m.cred}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	runErr := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // mysqltest children left behind
	}
	if ctx.Err() != nil {
		return out.String(), fmt.Errorf("mariadb-test-run stopped: %w (output in %s)", context.Cause(ctx), logPath)
	}
	var exit *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exit) {
		return out.String(), fmt.Errorf("mariadb-test-run: %w", runErr)
	}
	// A non-zero exit is normal when files fail; any other "*** ERROR" is the run's own.
	for _, l := range strings.Split(out.String(), "\n") {
		if i := strings.Index(l, "*** ERROR:"); i >= 0 && !strings.Contains(l, "there were failing test cases") {
			return out.String(), &mtrAbort{reason: strings.TrimSpace(l[i+len("*** ERROR:"):]) + lastWords(out.String()), log: logPath}
		}
	}
	return out.String(), nil
}

// lastWords is the first line of out that says why mariadb-test-run gave up (a
// permission or "Can't" message), as ": line", or "".
func lastWords(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "Permission denied") || strings.Contains(l, "Can't ") {
			return ": " + strings.TrimSpace(l)
		}
	}
	return ""
}

// ensureTestDB creates the database test on s when it is missing: every file runs in it.
func ensureTestDB(ctx context.Context, s *MySQLServer) error {
	db, err := sql.Open("mysql", s.DSN(""))
	if err != nil {
		return fmt.Errorf("mariadb-test-run: %w", err)
	}
	defer db.Close()
	var name string
	err = db.QueryRowContext(ctx, "SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'test'").Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = db.ExecContext(ctx, "CREATE DATABASE test")
	}
	if err != nil {
		return fmt.Errorf("mariadb-test-run: database test on %s: %w", s.addr(), err)
	}
	return nil
}
