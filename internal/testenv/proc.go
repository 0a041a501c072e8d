package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// errPortInUse marks a start that lost the race for its port; the caller retries on new ports.
var errPortInUse = errors.New("port already in use")

// process is one server process. In a test binary it is the leader of its own process group
// and dies with the binary (Pdeathsig); in a detached rig it is a session leader that outlives
// the rig command.
type process struct {
	cmd    *exec.Cmd
	log    string
	exited chan struct{} // closed once the process has been reaped
	err    error         // cmd.Wait's result, valid after exited is closed
}

// launch starts bin with args, its output going to dir/server.log.
func launch(dir string, detached bool, env []string, bin string, args ...string) (*process, error) {
	logPath := filepath.Join(dir, "server.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	defer logf.Close() // the child holds its own copy

	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), env...)
	if detached {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	} else {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &process{cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after stopTimeout.
func (p *process) stop() error {
	if p.hasExited() {
		return nil
	}
	pgid := p.pid()
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.exited
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL) // stragglers in the group
	return nil
}

// stopPID stops a process group that is not our child (a detached rig server).
func stopPID(pid int) error {
	if pid <= 0 || !pidAlive(pid) {
		return nil
	}
	if err := syscall.Kill(-pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal pid %d: %w", pid, err)
	}
	deadline := time.Now().Add(stopTimeout)
	for pidAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	for i := 0; i < 40 && pidAlive(pid); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if pidAlive(pid) {
		return fmt.Errorf("pid %d still alive after SIGKILL", pid)
	}
	return nil
}

// pidAlive reports whether pid exists and is not a zombie.
func pidAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !os.IsNotExist(err)
	}
	// Format: pid (comm) state ...; comm may contain spaces and parentheses.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z' && stat[i+2] != 'X'
	}
	return true
}

// waitReady polls check until it succeeds, the process exits or the start timeout passes.
// On failure it stops the process and returns an error with the tail of the server's log.
func waitReady(ctx context.Context, p *process, name string, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	err := poll(ctx, p, check)
	if err == nil {
		return nil
	}
	_ = p.stop()
	tail := logTail(p.log, 30)
	err = fmt.Errorf("%s did not start: %w\n--- %s (last lines) ---\n%s", name, err, p.log, tail)
	if strings.Contains(strings.ToLower(tail), "in use") || strings.Contains(tail, "EADDRINUSE") {
		err = fmt.Errorf("%w: %w", errPortInUse, err)
	}
	return err
}

// poll runs check every 100ms; p may be nil (a server that is not our child).
func poll(ctx context.Context, p *process, check func(context.Context) error) error {
	var exited <-chan struct{}
	if p != nil {
		exited = p.exited
	}
	for {
		attempt, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := check(attempt)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("exited (%v); last check: %w", p.err, err)
		case <-ctx.Done():
			return fmt.Errorf("no answer in time: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// logTail returns the last n lines of a log file.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freePort returns a loopback port that is free for TCP and, when udp is set, for UDP too.
// Another process may still take it before the server binds; callers retry on errPortInUse.
func freePort(udp bool) (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		if !udp {
			_ = l.Close()
			return port, nil
		}
		u, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		_ = l.Close()
		if err == nil {
			_ = u.Close()
			return port, nil
		}
	}
	return 0, errors.New("find free port: no port free for both TCP and UDP")
}

// runTool runs a short-lived helper (e.g. mariadb-install-db), logging to dir/name.log.
func runTool(ctx context.Context, dir, name, bin string, args ...string) error {
	logPath := filepath.Join(dir, name+".log")
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	_ = os.WriteFile(logPath, out, 0o644)
	if err != nil {
		return fmt.Errorf("%s: %w\n--- %s (last lines) ---\n%s", name, err, logPath, logTail(logPath, 30))
	}
	return nil
}
