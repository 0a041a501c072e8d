package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/binlog/statement"
)

// TestReplicateFirstMinute follows the README from nothing: a new primary with
// an application's history loaded by the stock client (databases, triggers
// writing other tables, a procedure, a function, a view, events, a MyISAM table,
// the application's account), an empty standby, and `pilotlight replicate
// --source .. --standby .. --from-start` with every default. It must reach the
// primary's position with every table equal while the application keeps
// writing, each trigger having fired once (on the primary), no event running on
// the standby, the account there with its password hash, status listing what it
// holds, and SIGTERM a clean exit.
func TestReplicateFirstMinute(t *testing.T) {
	r := newFirstRig(t)
	r.load(t, "testdata/first_minute.sql")
	run := plStart(t, r.env(), r.readme("--from-start")...)
	run.waitLog(t, "replicating")
	// The application goes on while replicate catches up.
	faultExec(t, r.pdb, "CALL shop.place_order(2, 7.50)", "UPDATE shop.orders SET status = 'shipped' WHERE id = 1",
		"ALTER TABLE shop.customers ADD COLUMN since TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)",
		"INSERT INTO crm.notes VALUES (3, 'über')", "ALTER USER shop_app@'%' WITH MAX_QUERIES_PER_HOUR 1000")
	r.waitCaughtUp(t, run)
	time.Sleep(1500 * time.Millisecond) // the standby's scheduler would have run shop.tick by now, were it not held
	compareDatabases(t, r.pdb, r.sdb)

	var audit, ticks int
	if err := r.sdb.QueryRow("SELECT (SELECT COUNT(*) FROM shop.order_audit), (SELECT COUNT(*) FROM shop.ticks)").
		Scan(&audit, &ticks); err != nil {
		t.Fatal(err)
	}
	if audit != 7 || ticks != 0 {
		t.Errorf("standby: %d audit rows (want 7: each trigger fired once, on the primary), %d ticks (want 0: "+
			"the event must not run on the standby)", audit, ticks)
	}
	const acct = "SELECT CONCAT(authentication_string, ' ', max_questions) FROM mysql.user WHERE User = 'shop_app'"
	if p, s := columnOf(t, r.pdb, acct), columnOf(t, r.sdb, acct); len(p) != 1 || strings.Join(p, "") != strings.Join(s, "") {
		t.Errorf("the application's account: primary %v, standby %v", p, s)
	}
	const events = "SELECT CONCAT(EVENT_NAME, '=', STATUS) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'shop' ORDER BY 1"
	if got := strings.Join(columnOf(t, r.sdb, events), " "); got != "nightly_cleanup=DISABLED tick=SLAVESIDE_DISABLED" {
		t.Errorf("standby events: %s", got)
	}
	if strings.Contains(run.stderr(), "app-Pa55") {
		t.Errorf("replicate logged the account's password:\n%s", run.stderr())
	}

	res := pl(t, r.env(), nil, "status", "--json", "--source", r.primary.URL(), "--standby", r.standby.URL())
	res.want(t, 0, "status")
	var rep statusReport
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	var held []string
	for _, h := range rep.Held {
		held = append(held, h.Kind+" "+h.Schema+"."+h.Name)
	}
	want := "trigger shop.orders_ai trigger shop.orders_ai_hits trigger shop.orders_au trigger shop.orders_bi event shop.tick"
	if strings.Join(held, " ") != want || rep.MissingTransactions != 0 || rep.Applier.Token != rep.CheckpointToken {
		t.Errorf("status: held %v (want %s), %d missing, lease token %d, checkpoint token %d", held, want,
			rep.MissingTransactions, rep.Applier.Token, rep.CheckpointToken)
	}
	// A snapshot of the standby carries the primary's definitions, not the held ones.
	dir := t.TempDir()
	res = pl(t, r.env(), nil, "snapshot", "--source", r.standby.URL(), "--to", "file://"+dir)
	res.want(t, 0, "snapshot of the standby")
	res = pl(t, r.env(), nil, "snapshot", "cat", "file://"+dir, "latest")
	res.want(t, 0, "snapshot cat")
	if strings.Contains(res.stdout, statement.HeldPrefix) || strings.Contains(res.stdout, "DISABLE ON SLAVE") ||
		!strings.Contains(res.stdout, "FOR EACH ROW INSERT INTO page_hits") || !regexp.MustCompile(`EVERY 1 SECOND .*ENABLE`).MatchString(res.stdout) {
		t.Errorf("the standby's snapshot does not hold the primary's trigger and event definitions:\n%s", res.stdout)
	}
	if code := run.stop(t); code != 0 {
		t.Errorf("replicate: exit %d after SIGTERM\n%s", code, run.stderr())
	}
}
