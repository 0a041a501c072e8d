package main

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// hasCheckpoint reports whether the standby has a checkpoint row for stream.
func hasCheckpoint(t *testing.T, sdb *sql.DB, stream string) (string, bool) {
	t.Helper()
	var g string
	err := sdb.QueryRow("SELECT gtid_set FROM pilotlight.checkpoint WHERE stream_id = ?", stream).Scan(&g)
	var my *mysql.MySQLError
	switch {
	case errors.Is(err, sql.ErrNoRows), errors.As(err, &my) && my.Number == 1146:
		return "", false
	case err != nil:
		t.Fatal(err)
	}
	return g, true
}

// TestReplicateRefusesStartsThePrimaryNeverReached: --start-gtid beyond the
// primary's position, or in a GTID domain it never wrote, is refused before
// anything is written, so that the next run with a good start simply works.
func TestReplicateRefusesStartsThePrimaryNeverReached(t *testing.T) {
	r := newFirstRig(t)
	faultExec(t, r.pdb, "CREATE DATABASE a", "CREATE TABLE a.t (id INT PRIMARY KEY)", "INSERT INTO a.t VALUES (1)")
	var seq int
	pos := r.position(t)
	if _, err := fmt.Sscanf(pos[strings.LastIndexByte(pos, '-')+1:], "%d", &seq); err != nil {
		t.Fatalf("position %q: %v", pos, err)
	}
	server := pos[:strings.LastIndexByte(pos, '-')]
	for _, c := range []struct{ start, want string }{
		{fmt.Sprintf("%s-%d", server, seq+500), fmt.Sprintf("domain 0 up to %d, but the primary is at %s", seq+500, pos)},
		{"7-1-10", "domain 7, which the primary (at " + pos + ") has never written"},
	} {
		res := pl(t, r.env(), nil, r.readme("--start-gtid", c.start)...)
		res.want(t, 1, "replicate --start-gtid", c.start)
		oneLineError(t, res, c.want)
		if cp, ok := hasCheckpoint(t, r.sdb, "default"); ok {
			t.Fatalf("the refused start %s left checkpoint %q", c.start, cp)
		}
	}
	run := plStart(t, r.env(), r.readme("--from-start")...)
	run.waitLog(t, "replicating")
	r.waitCaughtUp(t, run)
	compareDatabases(t, r.pdb, r.sdb)
	if code := run.stop(t); code != 0 {
		t.Errorf("replicate: exit %d\n%s", code, run.stderr())
	}
}

// TestCheckpointShowSetReset: the documented way to inspect and repair a
// stream's checkpoint, refused while a replicate holds the stream.
func TestCheckpointShowSetReset(t *testing.T) {
	r := newFirstRig(t)
	faultExec(t, r.pdb, "CREATE DATABASE a", "CREATE TABLE a.t (id INT PRIMARY KEY)")
	sides := []string{"--source", r.primary.URL(), "--standby", r.standby.URL()}
	cmd := func(args ...string) []string { return append(append([]string{"checkpoint"}, args...), sides...) }

	res := pl(t, r.env(), nil, cmd("show")...)
	res.want(t, 1, "checkpoint show before any replicate")
	oneLineError(t, res, "no checkpoint for stream default")

	run := plStart(t, r.env(), r.readme("--from-start")...)
	run.waitLog(t, "replicating")
	r.waitCaughtUp(t, run)
	res = pl(t, r.env(), nil, cmd("show", "--json")...)
	res.want(t, 0, "checkpoint show")
	if !strings.Contains(res.stdout, `"gtid_set": "`+r.position(t)+`"`) || !strings.Contains(res.stdout, `"state": "running"`) {
		t.Errorf("checkpoint show --json:\n%s", res.stdout)
	}
	for _, sub := range [][]string{{"set", r.position(t)}, {"reset"}} {
		res = pl(t, r.env(), nil, cmd(sub...)...)
		res.want(t, 1, "checkpoint", sub[0], "while replicate runs")
		oneLineError(t, res, "stop it first")
	}
	if code := run.stop(t); code != 0 {
		t.Fatalf("replicate: exit %d\n%s", code, run.stderr())
	}
	before := r.position(t)

	res = pl(t, r.env(), nil, cmd("set", "0-1-999999")...)
	res.want(t, 1, "checkpoint set beyond the primary")
	oneLineError(t, res, "has not executed")
	if cp, _ := hasCheckpoint(t, r.sdb, "default"); cp != before {
		t.Errorf("a refused set changed the checkpoint to %q", cp)
	}

	res = pl(t, r.env(), nil, cmd("reset")...)
	res.want(t, 0, "checkpoint reset")
	if !strings.Contains(res.stdout, "pilotlight checkpoint set "+before) {
		t.Errorf("reset does not say how to restore it:\n%s", res.stdout)
	}
	if cp, ok := hasCheckpoint(t, r.sdb, "default"); ok {
		t.Errorf("reset left checkpoint %q", cp)
	}
	res = pl(t, r.env(), nil, r.readme()...)
	res.want(t, 1, "replicate after reset, without a start")

	res = pl(t, r.env(), nil, cmd("set", before)...)
	res.want(t, 0, "checkpoint set")
	faultExec(t, r.pdb, "INSERT INTO a.t VALUES (1), (2)")
	run = plStart(t, r.env(), r.readme()...) // resumes from the set checkpoint
	run.waitLog(t, "replicating")
	r.waitCaughtUp(t, run)
	compareDatabases(t, r.pdb, r.sdb)
	if code := run.stop(t); code != 0 {
		t.Errorf("replicate: exit %d\n%s", code, run.stderr())
	}
}

// TestReplicateTakesOverFromAnotherLeaseDir: a second replicate for the stream
// with its own lease directory (a new pod or host) takes a token above the
// checkpoint's, so the first is fenced at its next commit and stops, and the
// second applies everything exactly once.
func TestReplicateTakesOverFromAnotherLeaseDir(t *testing.T) {
	r := newFirstRig(t)
	faultExec(t, r.pdb, "CREATE DATABASE a", "CREATE TABLE a.t (id INT PRIMARY KEY)")
	first := plStart(t, r.env(), r.readme("--from-start")...)
	first.waitLog(t, "replicating")
	r.waitCaughtUp(t, first)

	second := plStart(t, []string{"XDG_STATE_HOME=" + t.TempDir()}, r.readme()...)
	second.waitLog(t, "replicating")
	for i := 1; i <= 20; i++ {
		faultExec(t, r.pdb, fmt.Sprintf("INSERT INTO a.t VALUES (%d)", i))
	}
	r.waitCaughtUp(t, second)
	<-first.done // fenced: it must stop by itself
	if code := first.cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(first.stderr(), "fenced") {
		t.Errorf("the first replicate: exit %d, want 1 and a fencing error:\n%s", code, first.stderr())
	}
	compareDatabases(t, r.pdb, r.sdb)
	res := pl(t, r.env(), nil, "status", "--source", r.primary.URL(), "--standby", r.standby.URL())
	res.want(t, 0, "status")
	if !strings.Contains(res.stdout, "the checkpoint's fencing token is 2") {
		t.Errorf("status does not say which token holds the stream:\n%s", res.stdout)
	}
	if code := second.stop(t); code != 0 {
		t.Errorf("second replicate: exit %d\n%s", code, second.stderr())
	}
}

// TestReplicateStandbyIsTheSource: the standby given under another name for the
// primary is named as the primary, not blamed on server ids.
func TestReplicateStandbyIsTheSource(t *testing.T) {
	r := newFirstRig(t)
	alias := strings.Replace(r.primary.URL(), "127.0.0.1", "localhost", 1)
	res := pl(t, r.env(), nil, "replicate", "--source", r.primary.URL(), "--standby", alias, "--from-start")
	res.want(t, 1, "replicate to the primary itself")
	if !strings.Contains(res.stderr, "reaches the same server as --source") || strings.Contains(res.stderr, "server_id") {
		t.Errorf("stderr:\n%s", res.stderr)
	}
	if _, ok := hasCheckpoint(t, r.pdb, "default"); ok {
		t.Error("a checkpoint was written on the primary")
	}
}

// TestReplicateStopsWhenThePrimaryWasReset: RESET MASTER on the primary (or a
// primary restored from a backup) numbers new transactions with GTIDs the
// standby's checkpoint already holds; even when the numbers line up exactly,
// replicate stops with the cause instead of skipping them and diverging (the
// binlog position where the last applied transaction ended tells; only a new
// history of exactly the old one's byte sizes would pass, as it passes native
// replication).
func TestReplicateStopsWhenThePrimaryWasReset(t *testing.T) {
	r := newFirstRig(t)
	faultExec(t, r.pdb, "CREATE DATABASE a", "CREATE TABLE a.t (id INT PRIMARY KEY)", "INSERT INTO a.t VALUES (1)")
	run := plStart(t, r.env(), r.readme("--from-start")...)
	run.waitLog(t, "replicating")
	r.waitCaughtUp(t, run)
	if code := run.stop(t); code != 0 {
		t.Fatalf("replicate: exit %d\n%s", code, run.stderr())
	}
	before := r.position(t)
	faultExec(t, r.pdb, "RESET MASTER", "CREATE DATABASE billing", "CREATE TABLE billing.invoices (id INT PRIMARY KEY)",
		"INSERT INTO billing.invoices VALUES (7)")
	if after := r.position(t); after != before {
		t.Fatalf("the reset primary is at %s, want the same numbers as before, %s", after, before)
	}
	res := pl(t, r.env(), nil, r.readme()...)
	res.want(t, 1, "replicate from a reset primary")
	oneLineError(t, res, "the primary's binlog history went back past the standby's checkpoint")
	var n int
	if err := r.sdb.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'billing'").Scan(&n); err != nil || n != 0 {
		t.Errorf("the reset primary's new transactions reached the standby (%d, %v)", n, err)
	}
}
