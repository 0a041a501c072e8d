package binlog

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"

	"github.com/pilotlight-dr/pilotlight/binlog/statement"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// A standby is not a primary: nothing may run twice on it. A trigger's effects
// are in a row-based binlog already, as rows, so a standby's triggers are held
// (statement.HoldTrigger: each stays where it is, but does nothing for the
// applier's sessions); an event must not run there at all, so a standby's events
// are disabled on the standby (DISABLE ON SLAVE, shown as SLAVESIDE_DISABLED),
// as a native replica marks the events it replicates. The applier holds what the
// stream creates; HoldStandby holds what was there before (loaded from a dump or
// a snapshot); Promote releases both when the standby becomes the primary.

// HeldObject is a trigger or event held on a standby.
type HeldObject struct {
	Kind   string `json:"kind"` // "trigger" or "event"
	Schema string `json:"schema"`
	Name   string `json:"name"`
	// Table, Timing and Event describe a trigger ("orders", "AFTER", "INSERT").
	Table  string `json:"table,omitempty"`
	Timing string `json:"timing,omitempty"`
	Event  string `json:"event,omitempty"`
}

func (h HeldObject) String() string {
	if h.Kind == "trigger" {
		return fmt.Sprintf("trigger %s.%s (%s %s on %s)", h.Schema, h.Name, h.Timing, h.Event, h.Table)
	}
	return fmt.Sprintf("event %s.%s", h.Schema, h.Name)
}

// systemSchemas are never held or released.
const systemSchemasSQL = "('mysql', 'information_schema', 'performance_schema', 'sys', '" + checkpointSchema + "')"

// standbyTrigger is one row of information_schema.TRIGGERS.
type standbyTrigger struct {
	HeldObject
	order int
	held  bool
}

// listTriggers reads the standby's triggers, grouped by table, timing and event,
// in their firing order.
func listTriggers(ctx context.Context, q queryer) ([]standbyTrigger, error) {
	rows, err := q.QueryContext(ctx, "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, "+
		"EVENT_MANIPULATION, ACTION_ORDER, ACTION_STATEMENT FROM information_schema.TRIGGERS "+
		"WHERE TRIGGER_SCHEMA NOT IN "+systemSchemasSQL+
		" ORDER BY TRIGGER_SCHEMA, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER")
	if err != nil {
		return nil, fmt.Errorf("list the standby's triggers: %w", err)
	}
	defer rows.Close()
	var out []standbyTrigger
	for rows.Next() {
		t := standbyTrigger{HeldObject: HeldObject{Kind: "trigger"}}
		var body string
		if err := rows.Scan(&t.Schema, &t.Name, &t.Table, &t.Timing, &t.Event, &t.order, &body); err != nil {
			return nil, fmt.Errorf("list the standby's triggers: %w", err)
		}
		t.held = statement.IsHeldBody(body)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list the standby's triggers: %w", err)
	}
	return out, nil
}

// listEvents reads the standby's events with the given status.
func listEvents(ctx context.Context, q queryer, status string) ([]HeldObject, []string, error) {
	rows, err := q.QueryContext(ctx, "SELECT EVENT_SCHEMA, EVENT_NAME, DEFINER FROM information_schema.EVENTS "+
		"WHERE STATUS = ? AND EVENT_SCHEMA NOT IN "+systemSchemasSQL+" ORDER BY EVENT_SCHEMA, EVENT_NAME", status)
	if err != nil {
		return nil, nil, fmt.Errorf("list the standby's events: %w", err)
	}
	defer rows.Close()
	var out []HeldObject
	var definers []string
	for rows.Next() {
		e := HeldObject{Kind: "event"}
		var definer string
		if err := rows.Scan(&e.Schema, &e.Name, &definer); err != nil {
			return nil, nil, fmt.Errorf("list the standby's events: %w", err)
		}
		out = append(out, e)
		definers = append(definers, definer)
	}
	return out, definers, rows.Err()
}

// Held lists the triggers and events held on a standby, for status reports.
func Held(ctx context.Context, db *sql.DB) ([]HeldObject, error) {
	triggers, err := listTriggers(ctx, db)
	if err != nil {
		return nil, err
	}
	var out []HeldObject
	for _, t := range triggers {
		if t.held {
			out = append(out, t.HeldObject)
		}
	}
	events, _, err := listEvents(ctx, db, "SLAVESIDE_DISABLED")
	if err != nil {
		return nil, err
	}
	return append(out, events...), nil
}

// HoldStandby holds every trigger and event of the standby that is not held yet,
// on the tables and in the databases that match selects (nil: all but the system
// schemas and pilotlight's), keeping each trigger's definer, session context and
// firing order. It returns what it held. Run it before applying, while no other
// writer uses the standby.
func HoldStandby(ctx context.Context, db *sql.DB, flavor mysqlx.Flavor, selects func(schema, table string) bool,
	logger *slog.Logger) ([]HeldObject, error) {
	if selects == nil {
		selects = func(string, string) bool { return true }
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("hold the standby's triggers: connect: %w", err)
	}
	defer conn.Close()
	triggers, err := listTriggers(ctx, conn)
	if err != nil {
		return nil, err
	}
	var held []HeldObject
	for _, group := range triggerGroups(triggers) {
		first := group[0]
		if !selects(first.Schema, first.Table) {
			continue
		}
		changed, err := recreateGroup(ctx, conn, flavor, group, true)
		if err != nil {
			return held, err
		}
		held = append(held, changed...)
	}
	events, definers, err := listEvents(ctx, conn, "ENABLED")
	if err != nil {
		return held, err
	}
	for i, e := range events {
		if !selects(e.Schema, "*") {
			continue
		}
		if err := alterEvent(ctx, conn, e, definers[i], "DISABLE ON SLAVE"); err != nil {
			return held, err
		}
		held = append(held, e)
	}
	for _, h := range held {
		logger.Info("held on the standby: it does not run there while this server is a standby (the rows it "+
			"writes on the primary arrive through the binlog); promotion releases it", slog.String("object", h.String()))
	}
	return held, nil
}

// Promote releases everything held on a standby that becomes a primary: every
// held trigger gets its exact original body back (same definer, session context
// and firing order), every event held on the standby is enabled. It returns what
// it released. It is idempotent.
func Promote(ctx context.Context, db *sql.DB, flavor mysqlx.Flavor, logger *slog.Logger) ([]HeldObject, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("release the standby's triggers: connect: %w", err)
	}
	defer conn.Close()
	triggers, err := listTriggers(ctx, conn)
	if err != nil {
		return nil, err
	}
	var released []HeldObject
	for _, group := range triggerGroups(triggers) {
		changed, err := recreateGroup(ctx, conn, flavor, group, false)
		if err != nil {
			return released, err
		}
		released = append(released, changed...)
	}
	events, definers, err := listEvents(ctx, conn, "SLAVESIDE_DISABLED")
	if err != nil {
		return released, err
	}
	for i, e := range events {
		if err := alterEvent(ctx, conn, e, definers[i], "ENABLE"); err != nil {
			return released, err
		}
		released = append(released, e)
	}
	for _, r := range released {
		logger.Info("released on the promoted standby", slog.String("object", r.String()))
	}
	return released, nil
}

// triggerGroups splits triggers (in listTriggers' order) into groups that fire
// together: one table, timing and event.
func triggerGroups(ts []standbyTrigger) [][]standbyTrigger {
	var out [][]standbyTrigger
	for i, t := range ts {
		if i > 0 {
			p := ts[i-1]
			if p.Schema == t.Schema && p.Table == t.Table && p.Timing == t.Timing && p.Event == t.Event {
				out[len(out)-1] = append(out[len(out)-1], t)
				continue
			}
		}
		out = append(out, []standbyTrigger{t})
	}
	return out
}

// alterEvent changes an event's status, keeping its definer (ALTER EVENT makes
// whoever runs it the definer otherwise).
func alterEvent(ctx context.Context, conn *sql.Conn, e HeldObject, definer, status string) error {
	q := "ALTER EVENT " + quoteIdent(e.Schema) + "." + quoteIdent(e.Name) + " " + status
	if i := strings.LastIndexByte(definer, '@'); i >= 0 {
		q = "ALTER DEFINER=" + statement.QuoteAccount(definer[:i], definer[i+1:]) + " EVENT " +
			quoteIdent(e.Schema) + "." + quoteIdent(e.Name) + " " + status
	}
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	return nil
}
