package testenv

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RequireBinary returns the path of an installed tool (sysbench, mariadb-dump, ...), or ends
// t like a missing server binary does: a skip outside CI, a failure in CI.
func RequireBinary(t testing.TB, name string) string {
	t.Helper()
	p, err := findBinary(name)
	if err != nil {
		fail(t, err)
	}
	return p
}

// Sysbench runs the installed sysbench 1.0 against s with the mysql driver; the connection
// options (--db-driver=mysql --mysql-host --mysql-port --mysql-user, and --mysql-password
// when s has one) come first, args after them, e.g.
//
//	Sysbench(ctx, srv, "oltp_write_only", "--mysql-db=sb", "--tables=4", "--table-size=2000", "prepare")
//
// The database named by --mysql-db must exist. It returns sysbench's output (stdout and
// stderr). The error wraps a *MissingBinaryError when sysbench is not installed; for a
// failed run it holds the exit status and the last lines of the output. Ending ctx kills
// sysbench (SIGTERM, then SIGKILL after 5 s).
func Sysbench(ctx context.Context, s *MySQLServer, args ...string) (string, error) {
	bin, err := findBinary("sysbench")
	if err != nil {
		return "", err
	}
	conn := []string{"--db-driver=mysql", "--mysql-host=" + s.Host, "--mysql-port=" + strconv.Itoa(s.Port),
		"--mysql-user=" + s.User}
	if s.Password != "" {
		conn = append(conn, "--mysql-password="+s.Password)
	}
	cmd := exec.CommandContext(ctx, bin, append(conn, args...)...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("sysbench %s: %w\n--- output (last lines) ---\n%s",
			strings.Join(args, " "), err, tail(out.String(), 20))
	}
	return out.String(), nil
}

// CopySchema copies database schema (tables, rows, routines) from one server to another
// with mariadb-dump --single-transaction piped into mariadb, as a DBA seeds a standby.
// Tables the target has already are replaced. The dump carries no GTID or binlog position
// statements: the load is the target's own transactions. The error wraps a *MissingBinaryError when a client tool is not installed.
func CopySchema(ctx context.Context, from, to *MySQLServer, schema string) error {
	dumpBin, err := findBinary("mariadb-dump")
	if err != nil {
		return err
	}
	loadBin, err := findBinary("mariadb")
	if err != nil {
		return err
	}
	dump := exec.CommandContext(ctx, dumpBin, append(clientArgs(from), "--single-transaction",
		"--routines", "--events", "--triggers", "--databases", schema)...)
	load := exec.CommandContext(ctx, loadBin, clientArgs(to)...)
	var dumpErr, loadOut bytes.Buffer
	dump.Stderr = &dumpErr
	load.Stdout, load.Stderr = &loadOut, &loadOut
	pipe, err := dump.StdoutPipe()
	if err != nil {
		return fmt.Errorf("copy schema %s: %w", schema, err)
	}
	load.Stdin = pipe
	if err := load.Start(); err != nil {
		return fmt.Errorf("copy schema %s: start mariadb: %w", schema, err)
	}
	if err := dump.Run(); err != nil {
		_ = load.Wait()
		return fmt.Errorf("copy schema %s: mariadb-dump from %s: %w: %s (mariadb: %s)", schema, from.addr(), err,
			strings.TrimSpace(dumpErr.String()), strings.TrimSpace(loadOut.String()))
	}
	if err := load.Wait(); err != nil {
		return fmt.Errorf("copy schema %s: mariadb into %s: %w: %s", schema, to.addr(), err,
			strings.TrimSpace(loadOut.String()))
	}
	return nil
}

// clientArgs connects a MariaDB client tool to s over TCP, reading no option files.
func clientArgs(s *MySQLServer) []string {
	a := []string{"--no-defaults", "--protocol=TCP", "--host=" + s.Host, "--port=" + strconv.Itoa(s.Port),
		"--user=" + s.User}
	if s.Password != "" {
		a = append(a, "--password="+s.Password)
	}
	return a
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
