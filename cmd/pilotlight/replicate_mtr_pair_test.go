package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// mtrPair is a fresh private primary and an empty private standby with pilotlight
// replicate --from-start between them, started with the README's defaults: the setting
// for running MariaDB's own test files against the primary.
type mtrPair struct {
	primary, standby *testenv.MariaDB
	pdb, sdb         *sql.DB
	repl             *bgRun
}

// mtrServerArgs are the options both servers get besides testenv's. MariaDB's test
// servers run with log_bin_trust_function_creators=1 (include/default_mysqld.cnf):
// without it the primary refuses most of the files' CREATE FUNCTIONs. The standby needs
// it as well, because it binlogs what the applier runs (README: grants; a DBA who
// replicates routines sets it on both).
func mtrServerArgs() []string { return []string{"--log-bin-trust-function-creators=1"} }

// mtrBinEnv names another pilotlight build (another branch's) to run as replicate in
// TestReplicateMariaDBTestSuites and TestReplicateMTRExplore, instead of this package's.
const mtrBinEnv = "PILOTLIGHT_MTR_BIN"

// mtrReplicateBin is the pilotlight binary the MariaDB test-suite tests run as replicate.
func mtrReplicateBin(t *testing.T) string {
	if bin := os.Getenv(mtrBinEnv); bin != "" {
		t.Logf("%s: replicate is %s", mtrBinEnv, bin)
		return bin
	}
	return os.Getenv("PILOTLIGHT_TEST_BIN")
}

// newMTRPair starts the pair and bin (the binary under test, or another build of it)
// as replicate.
func newMTRPair(t *testing.T, bin string) *mtrPair {
	t.Helper()
	p := &mtrPair{primary: testenv.NewMariaDB(t, testenv.WithArgs(mtrServerArgs()...)),
		standby: testenv.NewMariaDB(t, testenv.WithArgs(mtrServerArgs()...))}
	p.pdb = statusOpen(t, p.primary.DSN(""), nil)
	p.sdb = statusOpen(t, p.standby.DSN(""), nil)
	// The applier's own account on the standby, as docs/replicate.md asks: the files'
	// account statements change root's (SET PASSWORD FOR CURRENT_USER() in main.grant).
	ctx := t.Context()
	for _, q := range []string{"CREATE USER pilotlight@'%' IDENTIFIED BY 'mtr-applier'",
		"GRANT ALL ON *.* TO pilotlight@'%' WITH GRANT OPTION"} {
		if _, err := p.sdb.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	standby := fmt.Sprintf("mysql://pilotlight:mtr-applier@%s:%d/", p.standby.Host, p.standby.Port)
	p.repl = plStartBin(t, bin, []string{"XDG_STATE_HOME=" + t.TempDir()},
		"replicate", "--source", p.primary.URL(), "--standby", standby, "--from-start")
	p.repl.waitLog(t, "replicating")
	return p
}

// plStartBin is plStart for any pilotlight binary.
func plStartBin(t *testing.T, bin string, env []string, args ...string) *bgRun {
	t.Helper()
	b := &bgRun{done: make(chan struct{})}
	b.cmd = exec.Command(bin, args...)
	b.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	b.cmd.Stderr = b
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = b.cmd.Wait(); close(b.done) }()
	t.Cleanup(func() {
		_ = b.cmd.Process.Kill()
		<-b.done
	})
	return b
}

// catchUp is how a wait for the standby ended.
type catchUp struct {
	caughtUp   bool   // the checkpoint equals the primary's gtid_binlog_pos
	exited     bool   // replicate stopped
	code       int    // its exit code, when it stopped
	errLine    string // its last error line, when it stopped
	pos, ckpt  string // the primary's gtid_binlog_pos and the checkpoint, last read
	stalledFor time.Duration
}

func (c catchUp) String() string {
	switch {
	case c.caughtUp:
		return "caught up at " + c.pos
	case c.exited:
		return fmt.Sprintf("stopped (exit %d): %s", c.code, c.errLine)
	default:
		return fmt.Sprintf("stuck at %s for %s (primary at %s)", orNone(c.ckpt), c.stalledFor.Round(time.Second), c.pos)
	}
}

// waitCaughtUp waits until the standby's checkpoint equals the primary's
// gtid_binlog_pos, or replicate exits, or the checkpoint has not moved for stall while
// short of the primary, or ctx ends (an error).
func (p *mtrPair) waitCaughtUp(ctx context.Context, stall time.Duration) (catchUp, error) {
	var c catchUp
	moved := time.Now()
	for {
		select {
		case <-p.repl.done:
			c.exited, c.code, c.errLine = true, p.repl.cmd.ProcessState.ExitCode(), lastErrorLine(p.repl.stderr())
			return c, nil
		default:
		}
		if err := p.pdb.QueryRowContext(ctx, "SELECT @@gtid_binlog_pos").Scan(&c.pos); err != nil {
			return c, fmt.Errorf("read the primary's gtid_binlog_pos: %w", err)
		}
		ckpt, err := readCheckpoint(ctx, p.sdb)
		if err != nil {
			return c, err
		}
		if ckpt != c.ckpt {
			c.ckpt, moved = ckpt, time.Now()
		}
		pos, err1 := mysqlx.Parse(mysqlx.MariaDB, c.pos)
		cp, err2 := mysqlx.Parse(mysqlx.MariaDB, c.ckpt)
		if err1 == nil && err2 == nil && pos.Equal(cp) {
			c.caughtUp = true
			return c, nil
		}
		if c.stalledFor = time.Since(moved); c.stalledFor > stall {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return c, fmt.Errorf("wait for the standby to catch up (%s): %w", c, context.Cause(ctx))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// readCheckpoint is the default stream's executed GTID set on the standby, "" before
// replicate has written one.
func readCheckpoint(ctx context.Context, db *sql.DB) (string, error) {
	var g string
	err := db.QueryRowContext(ctx, "SELECT gtid_set FROM pilotlight.checkpoint WHERE stream_id = 'default'").Scan(&g)
	var me *mysql.MySQLError
	if errors.Is(err, sql.ErrNoRows) || errors.As(err, &me) && (me.Number == 1146 || me.Number == 1049) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the checkpoint: %w", err)
	}
	return g, nil
}

// lastErrorLine is replicate's final "pilotlight: ..." line, else its last ERROR log
// line, else its last WARN line, else its last line.
func lastErrorLine(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "pilotlight: ") {
			return lines[i]
		}
	}
	for _, level := range []string{"level=ERROR", "level=WARN"} {
		for i := len(lines) - 1; i >= 0; i-- {
			if strings.Contains(lines[i], level) {
				return lines[i]
			}
		}
	}
	return lines[len(lines)-1]
}

// stderrTail is the last n lines of replicate's stderr.
func (b *bgRun) stderrTail(n int) string {
	lines := strings.Split(strings.TrimRight(b.stderr(), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
