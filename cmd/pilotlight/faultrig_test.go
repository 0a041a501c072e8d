package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// faultSchema is the database the fault tests replicate: sysbench's sbtest tables and a
// ledger table without a key, where applying an insert twice would leave a duplicate row.
const faultSchema = "sb"

// faultRig is a private primary and standby (so that restarts and sysbench's domain-0
// writes disturb no other test), each with a dedicated pilotlight user whose sessions a
// test can find and kill.
type faultRig struct {
	primary, standby *testenv.MariaDB
	pdb, sdb         *sql.DB              // root sessions
	src, stb         *testenv.MySQLServer // as replicate connects: the pilotlight users
	stream, state    string
	serverID         uint32
	tables, rows     int          // sbtest1..sbtestN, rows each
	ledgerSeq        atomic.Int64 // last ledger row written
}

func newFaultRig(t *testing.T) *faultRig {
	t.Helper()
	n := rand.Uint32()
	r := &faultRig{primary: testenv.NewMariaDB(t, testenv.WithServerID(11)),
		standby: testenv.NewMariaDB(t, testenv.WithServerID(12), testenv.WithGTIDDomain(12)),
		stream:  fmt.Sprintf("fault-test.%08x", n), serverID: 0x61000000 | n&0xffffff, state: t.TempDir()}
	r.pdb = statusOpen(t, r.primary.DSN(""), nil)
	r.sdb = statusOpen(t, r.standby.DSN(""), nil)
	faultExec(t, r.pdb, "CREATE USER 'pl_repl'@'%' IDENTIFIED BY 'repl-pw-7'",
		"GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO 'pl_repl'@'%'")
	faultExec(t, r.sdb, "CREATE USER 'pl_apply'@'%' IDENTIFIED BY 'apply-pw-7'",
		"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX ON *.* TO 'pl_apply'@'%'")
	src, stb := *r.primary.MySQLServer, *r.standby.MySQLServer
	src.User, src.Password = "pl_repl", "repl-pw-7"
	stb.User, stb.Password = "pl_apply", "apply-pw-7"
	r.src, r.stb = &src, &stb
	return r
}

// seed prepares sysbench's tables and the ledger on the primary, copies them to the standby
// with mariadb-dump, and returns the primary's position: what the standby now holds.
func (r *faultRig) seed(t *testing.T, tables, rows int) string {
	t.Helper()
	testenv.RequireBinary(t, "sysbench")
	testenv.RequireBinary(t, "mariadb-dump")
	r.tables, r.rows = tables, rows
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	faultExec(t, r.pdb, "CREATE DATABASE "+faultSchema,
		"CREATE TABLE "+faultSchema+".ledger (seq BIGINT NOT NULL, note VARCHAR(32) NOT NULL)")
	if _, err := testenv.Sysbench(ctx, r.primary.MySQLServer, r.sysbenchArgs("prepare")...); err != nil {
		t.Fatal(err)
	}
	if err := testenv.CopySchema(ctx, r.primary.MySQLServer, r.standby.MySQLServer, faultSchema); err != nil {
		t.Fatal(err)
	}
	return r.position(t)
}

func (r *faultRig) sysbenchArgs(extra ...string) []string {
	return append([]string{"oltp_write_only", "--mysql-db=" + faultSchema, "--tables=" + strconv.Itoa(r.tables),
		"--table-size=" + strconv.Itoa(r.rows)}, extra...)
}

func (r *faultRig) env() []string { return []string{"XDG_STATE_HOME=" + r.state} }

// args runs replicate from src to stb (the pilotlight users, possibly through proxies).
func (r *faultRig) args(src, stb *testenv.MySQLServer, extra ...string) []string {
	return append([]string{"replicate", "--source", src.URL(), "--standby", stb.URL(), "--stream", r.stream,
		"--server-id", strconv.FormatUint(uint64(r.serverID), 10), "--include", faultSchema + ".*", "--rpo", "1m"},
		extra...)
}

// position is the primary's @@gtid_binlog_pos.
func (r *faultRig) position(t *testing.T) string {
	t.Helper()
	var pos string
	if err := r.pdb.QueryRow("SELECT @@GLOBAL.gtid_binlog_pos").Scan(&pos); err != nil {
		t.Fatal(err)
	}
	return pos
}

// checkpoint is the stream's checkpoint on the standby ("" and false when it has none).
func (r *faultRig) checkpoint(t *testing.T) (string, bool) {
	t.Helper()
	var g string
	err := r.sdb.QueryRow("SELECT gtid_set FROM pilotlight.checkpoint WHERE stream_id = ?", r.stream).Scan(&g)
	var my *mysql.MySQLError
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false
	case errors.As(err, &my) && my.Number == 1146: // no checkpoint table
		return "", false
	case err != nil:
		t.Fatal(err)
	}
	return g, true
}

// load is write traffic on the primary: sysbench oltp_write_only and a ledger writer.
type load struct {
	stop   context.CancelFunc
	wg     sync.WaitGroup
	benchE error
	out    string
}

// startLoad runs sysbench for d at threads threads and about rate transactions a second
// (so that the standby can keep up on two cores), and inserts ledger rows one at a time
// until d passes; ledger errors (a restarting primary) are ignored: the checks compare the
// two sides, not a count the client believes in.
func (r *faultRig) startLoad(t *testing.T, d time.Duration, threads, rate int) *load {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	l := &load{stop: cancel}
	l.wg.Go(func() {
		l.out, l.benchE = testenv.Sysbench(ctx, r.primary.MySQLServer, r.sysbenchArgs("--threads="+strconv.Itoa(threads),
			"--rate="+strconv.Itoa(rate), "--time="+strconv.Itoa(int(d.Seconds())), "--report-interval=0", "run")...)
	})
	l.wg.Go(func() {
		end := time.Now().Add(d)
		for time.Now().Before(end) && ctx.Err() == nil {
			seq := r.ledgerSeq.Add(1)
			if _, err := r.pdb.ExecContext(ctx, "INSERT INTO "+faultSchema+".ledger VALUES (?, 'row')", seq); err != nil {
				time.Sleep(50 * time.Millisecond) // the primary is away
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Cleanup(func() { cancel(); l.wg.Wait() })
	return l
}

// wait waits for the load to end and fails t when sysbench failed.
func (l *load) wait(t *testing.T, bg *bgRun) {
	t.Helper()
	l.wg.Wait()
	l.stop()
	if l.benchE != nil {
		t.Fatalf("%v\nreplicate stderr:\n%s", l.benchE, bg.stderr())
	}
	i := strings.Index(l.out, "transactions:")
	if i < 0 {
		t.Fatalf("sysbench ran no transactions:\n%s", l.out)
	}
	t.Logf("sysbench %s", strings.Join(strings.Fields(strings.SplitN(l.out[i:], "\n", 2)[0]), " "))
}

// alive fails t when replicate has exited.
func alive(t *testing.T, bg *bgRun, after string) {
	t.Helper()
	select {
	case <-bg.done:
		t.Fatalf("replicate exited (code %d) after %s; it must reconnect and keep going\nreplicate stderr:\n%s",
			bg.cmd.ProcessState.ExitCode(), after, bg.stderr())
	default:
	}
}

// waitCaughtUp polls until the stream's checkpoint equals the primary's position (limit at
// most), failing t when replicate exits meanwhile.
func (r *faultRig) waitCaughtUp(t *testing.T, bg *bgRun, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		alive(t, bg, "the faults, while catching up")
		pos, cp := r.position(t), ""
		if c, ok := r.checkpoint(t); ok {
			cp = c
			if sameGTIDs(t, pos, c) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkpoint %q is not the primary's position %q after %s\nreplicate stderr:\n%s", cp, pos, limit, bg.stderr())
		}
		time.Sleep(200 * time.Millisecond)
	}
}
