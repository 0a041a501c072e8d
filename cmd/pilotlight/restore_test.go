package main

import (
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// TestRestoreFromNothing follows the README: an application's history on a
// new primary, pilotlight snapshot to a file:// sink, then
//   - pilotlight restore into an empty server (the defaults): every table
//     equal, triggers installed after the rows (fired once, on the primary),
//     events disabled on the copy; run again: "restored here completely
//     before", exit 0;
//   - pilotlight restore --gtid checkpoint into an empty standby, then
//     replicate (no --from-start) while the application goes on: it continues
//     from the snapshot's GTID set and every table ends equal;
//   - a restore into a server that holds the databases (the primary itself)
//     stops with one line naming them and the fix, changing nothing.
func TestRestoreFromNothing(t *testing.T) {
	r := newFirstRig(t)
	r.load(t, "testdata/first_minute.sql")
	sink := "file://" + t.TempDir() + "/backups"
	pl(t, r.env(), nil, "snapshot", "--source", r.primary.URL(), "--to", sink).want(t, 0, "snapshot")

	copyServer := testenv.NewMariaDB(t)
	cdb := statusOpen(t, copyServer.DSN(""), nil)
	res := pl(t, r.env(), nil, "restore", "--from", sink, "--target", copyServer.URL())
	res.want(t, 0, "restore")
	if !strings.Contains(res.stdout, "verified") {
		t.Errorf("restore printed:\n%s", res.stdout)
	}
	compareDatabases(t, r.pdb, cdb)
	const events = "SELECT CONCAT(EVENT_NAME, '=', STATUS) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'shop' ORDER BY 1"
	if got := strings.Join(columnOf(t, cdb, events), " "); got != "nightly_cleanup=DISABLED tick=DISABLED" {
		t.Errorf("events on the restored copy: %s (want every one disabled)", got)
	}
	const audit = "SELECT COUNT(*) FROM shop.order_audit"
	if p, c := columnOf(t, r.pdb, audit), columnOf(t, cdb, audit); strings.Join(p, "") != strings.Join(c, "") {
		t.Errorf("order_audit rows: primary %v, restored %v (a trigger fired during the load?)", p, c)
	}
	again := pl(t, r.env(), nil, "restore", "--from", sink, "--target", copyServer.URL())
	again.want(t, 0, "restore again")
	if !strings.Contains(again.stdout, "completely before") {
		t.Errorf("a second restore printed:\n%s", again.stdout)
	}

	res = pl(t, r.env(), nil, "restore", "--from", sink, "--target", r.standby.URL(), "--gtid", "checkpoint")
	res.want(t, 0, "restore --gtid checkpoint")
	faultExec(t, r.pdb, "CALL shop.place_order(2, 7.50)", "UPDATE shop.orders SET status = 'shipped' WHERE id = 1",
		"INSERT INTO crm.notes VALUES (3, 'über')")
	run := plStart(t, r.env(), r.readme()...)
	run.waitLog(t, "replicating")
	r.waitCaughtUp(t, run)
	compareDatabases(t, r.pdb, r.sdb)
	if code := run.stop(t); code != 0 {
		t.Errorf("replicate exit %d after SIGTERM", code)
	}

	bad := pl(t, r.env(), nil, "restore", "--from", sink, "--target", r.primary.URL())
	bad.want(t, 1, "restore into the primary")
	oneLineError(t, bad, "--replace-databases")
	if !strings.Contains(bad.stderr, "shop") {
		t.Errorf("the refusal does not name the database:\n%s", bad.stderr)
	}
	if n := columnOf(t, r.pdb, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'pilotlight' AND TABLE_NAME LIKE 'restore%'"); n[0] != "0" {
		t.Errorf("the refused restore wrote its state tables on the primary")
	}
}

// TestReplicateSeedFrom follows the README's sidecar bootstrap: a snapshot of a
// new primary, then replicate --seed-from on an empty standby while the
// application writes: the standby is restored, replication continues from the
// snapshot's GTID set, every table ends equal, triggers fired once. Started
// again with the same command, it resumes from the checkpoint and says that
// --seed-from is ignored.
func TestReplicateSeedFrom(t *testing.T) {
	r := newFirstRig(t)
	r.load(t, "testdata/first_minute.sql")
	sink := "file://" + t.TempDir() + "/backups"
	pl(t, r.env(), nil, "snapshot", "--source", r.primary.URL(), "--to", sink).want(t, 0, "snapshot")
	faultExec(t, r.pdb, "CALL shop.place_order(2, 7.50)") // after the snapshot, before the seed

	run := plStart(t, r.env(), r.readme("--seed-from", sink)...)
	faultExec(t, r.pdb, "UPDATE shop.orders SET status = 'shipped' WHERE id = 1", "INSERT INTO crm.notes VALUES (3, 'über')")
	run.waitLog(t, "replicating")
	r.waitCaughtUp(t, run)
	compareDatabases(t, r.pdb, r.sdb)
	if !strings.Contains(run.stderr(), "standby seeded") {
		t.Errorf("replicate did not say it seeded the standby:\n%s", run.stderr())
	}
	if code := run.stop(t); code != 0 {
		t.Fatalf("replicate exit %d after SIGTERM\n%s", code, run.stderr())
	}

	faultExec(t, r.pdb, "CALL shop.place_order(1, 3.25)")
	again := plStart(t, r.env(), r.readme("--seed-from", sink)...)
	again.waitLog(t, "replicating")
	r.waitCaughtUp(t, again)
	compareDatabases(t, r.pdb, r.sdb)
	if !strings.Contains(again.stderr(), "--seed-from is ignored") {
		t.Errorf("a second start did not say --seed-from is ignored:\n%s", again.stderr())
	}
	if code := again.stop(t); code != 0 {
		t.Errorf("replicate exit %d after SIGTERM", code)
	}
}
