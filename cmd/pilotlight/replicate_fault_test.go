package main

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// The fault tests run replicate (the built binary) between a private primary and standby
// (faultrig_test.go) under sysbench oltp_write_only, break something while it streams, and
// then require the standby's checkpoint to reach the primary's position with every table's
// checksum equal to the primary's and the key-less ledger without a duplicate row.

// TestReplicateSurvivesKill9UnderLoad SIGKILLs replicate at random moments under load and
// starts it again each time: every restart resumes from the checkpoint, exactly once.
func TestReplicateSurvivesKill9UnderLoad(t *testing.T) {
	r := newFaultRig(t)
	start := r.seed(t, 4, 2000)
	run := plStart(t, r.env(), r.args(r.src, r.stb, "--start-gtid", start)...)
	run.waitLog(t, "replicating")
	l := r.startLoad(t, 25*time.Second, 4, 300)
	for i := 1; i <= 5; i++ {
		time.Sleep(time.Duration(500+rand.IntN(2500)) * time.Millisecond)
		alive(t, run, fmt.Sprintf("%d restarts under load", i-1))
		cp, _ := r.checkpoint(t)
		t.Logf("kill %d: checkpoint %s, primary at %s", i, cp, r.position(t))
		if err := run.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-run.done
		run = plStart(t, r.env(), r.args(r.src, r.stb)...)
	}
	run.waitLog(t, "replicating")
	r.settle(t, run, l)
}

// TestReplicateSurvivesNetworkCuts runs replicate through a proxy to each server and cuts
// the source's network, then the standby's, then resets both: replicate keeps running,
// reconnects and catches up exactly.
func TestReplicateSurvivesNetworkCuts(t *testing.T) {
	r := newFaultRig(t)
	start := r.seed(t, 2, 2000)
	sp := testenv.NewProxy(t, fmt.Sprintf("%s:%d", r.primary.Host, r.primary.Port))
	tp := testenv.NewProxy(t, fmt.Sprintf("%s:%d", r.standby.Host, r.standby.Port))
	run := plStart(t, r.env(), r.args(r.src.Via(sp), r.stb.Via(tp), "--start-gtid", start)...)
	run.waitLog(t, "replicating")
	l := r.startLoad(t, 30*time.Second, 2, 100)
	step := func(what string, d time.Duration) {
		t.Helper()
		time.Sleep(d)
		alive(t, run, what)
	}
	step("streaming under load", 3*time.Second)

	before := sp.Forwarded()
	sp.Cut()
	step("a 3 s cut of the source's network", 3*time.Second)
	sp.Restore()
	step("the source's network came back", 5*time.Second)
	if sp.Forwarded() == before {
		t.Errorf("replicate did not reconnect to the source after the cut\nreplicate stderr:\n%s", run.stderr())
	}

	before = tp.Forwarded()
	tp.Cut()
	step("a 3 s cut of the standby's network", 3*time.Second)
	tp.Restore()
	step("the standby's network came back", 5*time.Second)
	if tp.Forwarded() == before {
		t.Errorf("replicate did not reconnect to the standby after the cut\nreplicate stderr:\n%s", run.stderr())
	}

	sp.Reset()
	tp.Reset()
	step("both connections reset", 3*time.Second)
	r.settle(t, run, l)
}

// TestReplicateSurvivesPrimaryRestart restarts the primary while replicate streams, then
// kills replicate's sessions on the standby and its binlog dump thread on the primary.
func TestReplicateSurvivesPrimaryRestart(t *testing.T) {
	r := newFaultRig(t)
	start := r.seed(t, 2, 2000)
	run := plStart(t, r.env(), r.args(r.src, r.stb, "--start-gtid", start)...)
	run.waitLog(t, "replicating")
	r.startLoad(t, 6*time.Second, 2, 150).wait(t, run)
	r.primary.Restart(t) // replicate is connected, likely still applying the backlog
	alive(t, run, "the primary restarted")

	l := r.startLoad(t, 15*time.Second, 2, 100)
	time.Sleep(4 * time.Second)
	alive(t, run, "writes after the primary's restart")
	killSessions(t, r.pdb, "USER = 'pl_repl' AND COMMAND = 'Binlog Dump'")
	time.Sleep(4 * time.Second)
	alive(t, run, "its binlog dump thread was killed")
	n := killSessions(t, r.sdb, "USER = 'pl_apply'")
	t.Logf("killed %d replicate sessions on the standby", n)
	time.Sleep(4 * time.Second)
	alive(t, run, "its standby sessions were killed")
	r.settle(t, run, l)
}

// TestReplicatePurgedStart starts a new stream at a position whose binlogs the primary has
// purged: exit 1 with one line naming the missing transactions, and the standby untouched,
// so that the advised restart from a position the primary still has works.
func TestReplicatePurgedStart(t *testing.T) {
	r := newFaultRig(t)
	// Made by hand on both sides on purpose: the standby must hold exactly what an
	// old position names while the primary no longer has the binlogs after it,
	// which no stream can produce.
	for _, db := range []*sql.DB{r.pdb, r.sdb} {
		faultExec(t, db, "CREATE DATABASE "+faultSchema, "CREATE TABLE "+faultSchema+".t (id INT PRIMARY KEY)")
	}
	insert := func(from, n int) {
		for id := from; id < from+n; id++ {
			faultExec(t, r.pdb, fmt.Sprintf("INSERT INTO %s.t VALUES (%d)", faultSchema, id))
		}
	}
	insert(1, 3)
	p1 := r.position(t)
	insert(4, 3)
	faultExec(t, r.pdb, "FLUSH BINARY LOGS")
	insert(7, 2)
	purgeAllButNewest(t, r)
	faultExec(t, r.sdb, "INSERT INTO "+faultSchema+".t VALUES (1), (2), (3)") // what p1 holds
	sum := tableChecksum(t, r.sdb, "t")

	res := pl(t, r.env(), nil, r.args(r.src, r.stb, "--start-gtid", p1)...)
	res.want(t, 1, "replicate from a purged position")
	oneLineError(t, res, "which the primary no longer has", r.src.Password, r.stb.Password)
	var seq int
	if _, err := fmt.Sscanf(p1, "0-11-%d", &seq); err != nil {
		t.Fatalf("position %q: %v", p1, err)
	}
	if want := fmt.Sprintf("domain 0 seq %d-%d (3 transactions)", seq+1, seq+3); !strings.Contains(res.stderr, want) {
		t.Errorf("the error does not name the missing range %q:\n%s", want, res.stderr)
	}
	if got := tableChecksum(t, r.sdb, "t"); got != sum {
		t.Errorf("the refused start changed the standby's rows")
	}
	if cp, ok := r.checkpoint(t); ok {
		t.Errorf("the refused start left a checkpoint %q for stream %s on the standby", cp, r.stream)
	}

	// The error's advice: restart from a position the primary still has.
	faultExec(t, r.sdb, "INSERT INTO "+faultSchema+".t VALUES (4), (5), (6), (7), (8)")
	run := plStart(t, r.env(), r.args(r.src, r.stb, "--start-gtid", r.position(t))...)
	run.waitLog(t, "replicating")
	insert(9, 1)
	r.waitCaughtUp(t, run, 30*time.Second)
	if got := tableChecksum(t, r.sdb, "t"); got != tableChecksum(t, r.pdb, "t") {
		t.Errorf("standby rows differ from the primary's after the restart from a kept position\nreplicate stderr:\n%s",
			run.stderr())
	}
	if code := run.stop(t); code != 0 {
		t.Errorf("replicate: exit %d after SIGTERM, want 0\n%s", code, run.stderr())
	}
}

// TestReplicateBadInputs: unreachable servers, a wrong password and missing privileges stop
// replicate before it touches the standby: exit 1, the reason (and for privileges the GRANT
// to run), never a password.
func TestReplicateBadInputs(t *testing.T) {
	r := newFaultRig(t)
	faultExec(t, r.pdb,
		"CREATE USER 'pl_pw'@'%' IDENTIFIED BY 'right-pw-1'", "GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO 'pl_pw'@'%'",
		"CREATE USER 'pl_norepl'@'%' IDENTIFIED BY 'norepl-pw-1'", "GRANT SELECT ON *.* TO 'pl_norepl'@'%'",
		"CREATE USER 'pl_srcsb'@'%' IDENTIFIED BY 'srcsb-pw-1'", "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'pl_srcsb'@'%'",
		"GRANT SELECT ON "+faultSchema+".* TO 'pl_srcsb'@'%'")
	faultExec(t, r.sdb, "CREATE USER 'pl_ro'@'%' IDENTIFIED BY 'ro-pw-1'", "GRANT SELECT ON *.* TO 'pl_ro'@'%'",
		"CREATE USER 'pl_stbsb'@'%' IDENTIFIED BY 'stbsb-pw-1'",
		"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX ON `pilotlight`.* TO 'pl_stbsb'@'%'",
		"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX ON "+faultSchema+".* TO 'pl_stbsb'@'%'")
	start := r.position(t) // after the test's accounts, before the database: the standby gets it from the stream
	faultExec(t, r.pdb, "CREATE DATABASE "+faultSchema, "CREATE TABLE "+faultSchema+".t (id INT PRIMARY KEY)")
	user := func(s *testenv.MySQLServer, name, pw string) string {
		c := *s
		c.User, c.Password = name, pw
		return c.URL()
	}
	refuse := func(t *testing.T, src, stb string) result {
		t.Helper()
		res := pl(t, r.env(), nil, "replicate", "--source", src, "--standby", stb, "--stream", r.stream,
			"--include", faultSchema+".*", "--start-gtid", start)
		res.want(t, 1, "replicate", src, stb)
		return res
	}
	const badURL = "mysql://root:s3cret-pw@127.0.0.1:1/"
	t.Run("unreachable source", func(t *testing.T) {
		oneLineError(t, refuse(t, badURL, r.stb.URL()), "127.0.0.1:1", "s3cret-pw", r.stb.Password)
	})
	t.Run("unreachable standby", func(t *testing.T) {
		oneLineError(t, refuse(t, r.src.URL(), badURL), "127.0.0.1:1", "s3cret-pw", r.src.Password)
	})
	t.Run("unknown host", func(t *testing.T) {
		oneLineError(t, refuse(t, "mysql://root:s3cret-pw@pl-no-such-host.invalid:3306/", r.stb.URL()),
			"pl-no-such-host.invalid", "s3cret-pw")
	})
	t.Run("wrong password", func(t *testing.T) {
		oneLineError(t, refuse(t, user(r.primary.MySQLServer, "pl_pw", "wrong-pw-2"), r.stb.URL()), "Access denied",
			"wrong-pw-2", "right-pw-1")
	})
	t.Run("source without replication privileges", func(t *testing.T) {
		preflightRefusal(t, refuse(t, user(r.primary.MySQLServer, "pl_norepl", "norepl-pw-1"), r.stb.URL()),
			"GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'pl_norepl'@'%';", "norepl-pw-1")
	})
	t.Run("standby without write privileges", func(t *testing.T) {
		preflightRefusal(t, refuse(t, r.src.URL(), user(r.standby.MySQLServer, "pl_ro", "ro-pw-1")),
			"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX ON `"+faultSchema+"`.* TO 'pl_ro'@'%'", "ro-pw-1")
	})
	if cp, ok := r.checkpoint(t); ok {
		t.Errorf("a refused start left a checkpoint %q on the standby", cp)
	}

	// What the fixes say is enough: grants on the replicated schemas named with --include.
	t.Run("schema grants with --include", func(t *testing.T) {
		run := plStart(t, r.env(), "replicate", "--source", user(r.primary.MySQLServer, "pl_srcsb", "srcsb-pw-1"),
			"--standby", user(r.standby.MySQLServer, "pl_stbsb", "stbsb-pw-1"), "--stream", r.stream,
			"--include", faultSchema+".*", "--start-gtid", start)
		run.waitLog(t, "replicating")
		if code := run.stop(t); code != 0 {
			t.Errorf("replicate: exit %d after SIGTERM, want 0\n%s", code, run.stderr())
		}
	})
}

// settle waits for the load to end and the standby to catch up, compares both sides
// and stops replicate, which must exit 0.
func (r *faultRig) settle(t *testing.T, run *bgRun, l *load) {
	t.Helper()
	l.wait(t, run)
	r.waitCaughtUp(t, run, 60*time.Second)
	r.compare(t, run)
	if code := run.stop(t); code != 0 {
		t.Errorf("replicate: exit %d after SIGTERM, want 0\n%s", code, run.stderr())
	}
}
