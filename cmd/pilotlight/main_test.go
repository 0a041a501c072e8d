package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pilotlight-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Chmod(dir, 0o755) // tests also run the binary as an unprivileged user
	bin := filepath.Join(dir, "pilotlight")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build pilotlight:", err)
		os.Exit(1)
	}
	os.Setenv("PILOTLIGHT_TEST_BIN", bin)
	code := testenv.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one run of the binary.
type result struct {
	code           int
	stdout, stderr string
	maxRSSKiB      int64
}

// pl runs the built binary with exactly env (plus PATH and HOME) and stdin.
func pl(t *testing.T, env []string, stdin io.Reader, args ...string) result {
	t.Helper()
	return plAs(t, nil, env, stdin, args...)
}

// plAs is pl run with the given credentials (nil: this process's).
func plAs(t *testing.T, cred *syscall.Credential, env []string, stdin io.Reader, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Getenv("PILOTLIGHT_TEST_BIN"), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	cmd.Stdin = stdin
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatalf("pilotlight %v did not start: %v", args, err)
	}
	peak := watchPeakRSS(cmd.Process.Pid)
	_ = cmd.Wait()
	return result{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String(), maxRSSKiB: peak()}
}

// watchPeakRSS polls the process's VmHWM (peak RSS of its own address
// space) until it exits, and returns a func giving the last value read.
// rusage's ru_maxrss is no use here: Linux carries the parent's peak (this
// test binary, large under -race) into a vforked child across exec.
func watchPeakRSS(pid int) func() int64 {
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			b, err := os.ReadFile(path)
			if err != nil {
				return
			}
			hwm, zombie := parseStatus(string(b))
			if zombie {
				return
			}
			if hwm > peak.Load() {
				peak.Store(hwm)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() int64 { <-done; return peak.Load() }
}

// parseStatus returns VmHWM in KiB and whether the process has exited.
func parseStatus(status string) (int64, bool) {
	var hwm int64
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Sscanf(strings.TrimSpace(v), "%d", &hwm)
		}
		if v, ok := strings.CutPrefix(line, "State:"); ok && strings.Contains(v, "Z") {
			return hwm, true
		}
	}
	return hwm, false
}

func (r result) want(t *testing.T, code int, args ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("pilotlight %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, r.code, code, r.stdout, r.stderr)
	}
}

// oneLineError checks a failure printed exactly one error line (log lines
// aside, and the usage hint for exit 2) that contains want, and that no
// output contains any of the secrets.
func oneLineError(t *testing.T, r result, want string, secrets ...string) {
	t.Helper()
	var errLines []string
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if strings.HasPrefix(l, "pilotlight: ") {
			errLines = append(errLines, l)
		} else if !strings.HasPrefix(l, "time=") && !strings.HasPrefix(l, "{") && !strings.HasPrefix(l, "Run 'pilotlight --help'") {
			t.Errorf("stray output line %q", l)
		}
	}
	if len(errLines) != 1 {
		t.Errorf("want one error line, got %d:\n%s", len(errLines), r.stderr)
	} else if !strings.Contains(errLines[0], want) {
		t.Errorf("error %q does not say %q", errLines[0], want)
	}
	for _, s := range secrets {
		if strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("output contains a secret:\n%s%s", r.stdout, r.stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	r := pl(t, nil, nil, "version")
	r.want(t, 0, "version")
	if !strings.HasPrefix(r.stdout, "pilotlight ") || !strings.Contains(r.stdout, "go1.") {
		t.Errorf("version output %q", r.stdout)
	}
}

func TestEveryCommandHasHelpWithExample(t *testing.T) {
	root := (&app{}).rootCmd()
	var check func(prefix string, cmds []*cobra.Command)
	check = func(prefix string, cmds []*cobra.Command) {
		for _, c := range cmds {
			if c.Name() == "help" || c.Name() == "completion" {
				continue
			}
			name := strings.TrimSpace(prefix + " " + c.Name())
			if c.Short == "" || c.Example == "" {
				t.Errorf("%q lacks a short description or an example", name)
			}
			r := pl(t, nil, nil, append(strings.Fields(name), "--help")...)
			r.want(t, 0, name, "--help")
			if !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "pilotlight") {
				t.Errorf("%s --help shows no example:\n%s", name, r.stdout)
			}
			check(name, c.Commands())
		}
	}
	check("", root.Commands())
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"frobnicate"},
		{"sink", "ls"},
		{"sink", "cp", "-", "-"},
		{"sink", "ls", "--no-such-flag", "file:///tmp"},
		{"sink", "cp", "--part-size", "lots", "a", "b"},
		{"version", "extra"},
	} {
		r := pl(t, nil, nil, args...)
		r.want(t, 2, args...)
		if !strings.Contains(r.stderr, "--help") {
			t.Errorf("%v: usage error without a pointer to --help: %s", args, r.stderr)
		}
	}
}
