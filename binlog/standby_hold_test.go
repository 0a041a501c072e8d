package binlog

import (
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/binlog/statement"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// TestHeldTriggersAndEvents: a primary with triggers that write other tables,
// ordered triggers, events, a procedure and a MyISAM table, streamed to an empty
// standby that already holds a database loaded from a dump (with its own
// triggers and an enabled event). On the standby nothing fires twice and no event
// runs; Held lists everything; Promote restores the exact definitions, order and
// event states, after which the triggers work there as on the primary.
func TestHeldTriggersAndEvents(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := newPair(t, ctx)
	// The standby's own database, as a dump would have loaded it.
	pfExec(t, ctx, env.sroot, "CREATE DATABASE pre", "CREATE TABLE pre.t (a INT, b INT)",
		"CREATE TRIGGER pre.h1 BEFORE INSERT ON pre.t FOR EACH ROW SET NEW.b = 1",
		"CREATE TRIGGER pre.h2 BEFORE INSERT ON pre.t FOR EACH ROW SET NEW.b = NEW.b * 10",
		"CREATE TRIGGER pre.h3 BEFORE INSERT ON pre.t FOR EACH ROW SET NEW.b = NEW.b + 5 -- trailing comment é",
		"CREATE EVENT pre.e ON SCHEDULE EVERY 1 HOUR DO INSERT INTO pre.t VALUES (0, 0)")
	held, err := HoldStandby(ctx, env.sdb, mysqlx.MariaDB, nil, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 4 {
		t.Errorf("HoldStandby held %v, want 3 triggers and 1 event", held)
	}

	c := env.session(t, ctx)
	env.exec(t, ctx, c, "CREATE DATABASE shop", "USE shop",
		"CREATE TABLE orders (id INT PRIMARY KEY AUTO_INCREMENT, total INT, twice INT)",
		"CREATE TABLE audit (id INT PRIMARY KEY AUTO_INCREMENT, order_id INT, note VARCHAR(20))",
		"CREATE TABLE hits (n INT) ENGINE=MyISAM", "CREATE TABLE ticks (at TIMESTAMP(6))",
		"CREATE TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW SET NEW.twice = NEW.total * 2",
		"CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW INSERT INTO audit (order_id, note) VALUES (NEW.id, 'first')",
		"CREATE TRIGGER orders_ai2 AFTER INSERT ON orders FOR EACH ROW FOLLOWS orders_ai "+
			"BEGIN INSERT INTO audit (order_id, note) VALUES (NEW.id, 'second'); INSERT INTO hits VALUES (NEW.id); END",
		"CREATE PROCEDURE place(t INT) INSERT INTO orders (total) VALUES (t)",
		"CREATE EVENT tick ON SCHEDULE EVERY 1 SECOND DO INSERT INTO ticks VALUES (NOW(6))",
		"CREATE EVENT off ON SCHEDULE EVERY 1 DAY DISABLE DO INSERT INTO audit (note) VALUES ('off')",
		"CREATE EVENT later ON SCHEDULE EVERY 1 DAY DISABLE DO INSERT INTO audit (note) VALUES ('later')",
		"ALTER EVENT later ENABLE",
		"INSERT INTO orders (total) VALUES (10), (20)", "CALL place(30)", "UPDATE orders SET total = total + 1",
	)
	if err := env.apply(t, ctx, apConfig); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // the standby's scheduler would run tick (every second) now, if it were not held
	env.equal(t, ctx, "shop")
	var n int
	if err := env.sroot.QueryRowContext(ctx, "SELECT COUNT(*) FROM shop.ticks").Scan(&n); err != nil || n != 0 {
		t.Errorf("the held event ran on the standby: %d rows in ticks (%v)", n, err)
	}
	if err := env.sroot.QueryRowContext(ctx, "SELECT COUNT(*) FROM shop.audit").Scan(&n); err != nil || n != 6 {
		t.Errorf("standby audit holds %d rows (%v), want 6: each trigger fired once, on the primary", n, err)
	}
	events := func(db string) map[string]string {
		out := map[string]string{}
		rows, err := env.sroot.QueryContext(ctx, "SELECT EVENT_NAME, STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?", db)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var name, status string
			if err := rows.Scan(&name, &status); err != nil {
				t.Fatal(err)
			}
			out[name] = status
		}
		return out
	}
	if got := events("shop"); got["tick"] != "SLAVESIDE_DISABLED" || got["later"] != "SLAVESIDE_DISABLED" || got["off"] != "DISABLED" {
		t.Errorf("standby events %v: want tick and later held (SLAVESIDE_DISABLED), off DISABLED", got)
	}
	list, err := Held(ctx, env.sdb)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range list {
		names = append(names, h.Kind+" "+h.Schema+"."+h.Name)
	}
	sort.Strings(names)
	want := "event pre.e,event shop.later,event shop.tick,trigger pre.h1,trigger pre.h2,trigger pre.h3," +
		"trigger shop.orders_ai,trigger shop.orders_ai2,trigger shop.orders_bi"
	if strings.Join(names, ",") != want {
		t.Errorf("Held = %v\nwant %s", names, want)
	}

	// Promotion: every trigger as on the primary (definition, sql_mode, charset,
	// order), the events enabled on the primary enabled, the others not.
	if _, err := Promote(ctx, env.sdb, mysqlx.MariaDB, slog.Default()); err != nil {
		t.Fatal(err)
	}
	for _, tr := range []string{"shop.orders_bi", "shop.orders_ai", "shop.orders_ai2"} {
		if p, s := showCreate(t, ctx, env.pdb, "TRIGGER", tr), showCreate(t, ctx, env.sroot, "TRIGGER", tr); p != s {
			t.Errorf("trigger %s after promotion:\nprimary %s\nstandby %s", tr, p, s)
		}
	}
	order := func(db string) string {
		var out []string
		rows, err := env.sroot.QueryContext(ctx, "SELECT TRIGGER_NAME, ACTION_ORDER, ACTION_STATEMENT FROM information_schema.TRIGGERS "+
			"WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, ACTION_ORDER", db)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var name, body string
			var ord int
			if err := rows.Scan(&name, &ord, &body); err != nil {
				t.Fatal(err)
			}
			if statement.IsHeldBody(body) {
				t.Errorf("trigger %s.%s is still held after promotion", db, name)
			}
			out = append(out, name)
		}
		return strings.Join(out, " ")
	}
	if got := order("pre"); got != "h1 h2 h3" {
		t.Errorf("pre's triggers fire in order %q, want h1 h2 h3", got)
	}
	if got := events("shop"); got["tick"] != "ENABLED" || got["later"] != "ENABLED" || got["off"] != "DISABLED" {
		t.Errorf("events after promotion %v: want tick and later ENABLED, off DISABLED", got)
	}
	pfExec(t, ctx, env.sroot, "INSERT INTO pre.t (a) VALUES (1)", "INSERT INTO shop.orders (total) VALUES (5)")
	var b, twice int
	if err := env.sroot.QueryRowContext(ctx, "SELECT b FROM pre.t WHERE a = 1").Scan(&b); err != nil || b != 15 {
		t.Errorf("pre's triggers after promotion gave b = %d (%v), want 15 (1, x10, +5 in order)", b, err)
	}
	if err := env.sroot.QueryRowContext(ctx, "SELECT twice FROM shop.orders WHERE total = 5").Scan(&twice); err != nil || twice != 10 {
		t.Errorf("orders_bi after promotion: twice = %d (%v), want 10", twice, err)
	}
	if err := env.sroot.QueryRowContext(ctx, "SELECT COUNT(*) FROM shop.audit").Scan(&n); err != nil || n != 8 {
		t.Errorf("audit holds %d rows after a write on the promoted standby (%v), want 8", n, err)
	}
	if again, err := Promote(ctx, env.sdb, mysqlx.MariaDB, slog.Default()); err != nil || len(again) != 0 {
		t.Errorf("a second Promote released %v (%v), want nothing", again, err)
	}
}
