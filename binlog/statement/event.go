package statement

import (
	"github.com/pilotlight-dr/pilotlight/internal/sqltok"
)

// EventStatus is the status clause of CREATE or ALTER EVENT.
type EventStatus int

// The event status clauses.
const (
	EventStatusNone     EventStatus = iota // no clause (CREATE: enabled; ALTER: unchanged)
	EventEnable                            // ENABLE
	EventDisable                           // DISABLE
	EventDisableOnSlave                    // DISABLE ON SLAVE / DISABLE ON REPLICA
)

// HoldEvent rewrites CREATE or ALTER EVENT so that the event does not run on a
// standby, as a native replica's SQL thread marks the events it creates: an event
// the statement enables (CREATE without a status clause, or ENABLE) gets DISABLE
// ON <replicaWord> instead, which MariaDB and MySQL show as SLAVESIDE_DISABLED
// (REPLICA_SIDE_DISABLED) and promotion enables again. DISABLE stays disabled.
// replicaWord is SLAVE (MariaDB, MySQL before 8.0.22) or REPLICA. status is the
// clause the statement had; ok is false when the statement is not CREATE or ALTER
// EVENT.
func HoldEvent(sql, replicaWord string) (held string, status EventStatus, ok bool) {
	return withEventStatus(sql, "DISABLE ON "+replicaWord)
}

// DisableEvent rewrites CREATE or ALTER EVENT so that an event it enables is
// created (or left) DISABLE instead: a restored copy that must not run the
// primary's scheduled jobs. Like HoldEvent otherwise.
func DisableEvent(sql string) (disabled string, status EventStatus, ok bool) {
	return withEventStatus(sql, "DISABLE")
}

// withEventStatus puts hold where CREATE or ALTER EVENT enables the event.
func withEventStatus(sql, hold string) (string, EventStatus, bool) {
	c, ok := readEventClauses(sql)
	if !ok {
		return sql, EventStatusNone, false
	}
	switch {
	case c.status == EventEnable:
		return sql[:c.start] + hold + sql[c.end:], c.status, true
	case c.status == EventStatusNone && c.create:
		return sql[:c.insertAt] + spaced(sql, c.insertAt, hold) + sql[c.insertAt:], c.status, true
	}
	return sql, c.status, true
}

// ReleaseEvent rewrites a CREATE EVENT statement (as SHOW CREATE EVENT prints it)
// of an event held on a standby (DISABLE ON SLAVE / REPLICA) as the primary has
// it, enabled; any other statement comes back unchanged.
func ReleaseEvent(sql string) string {
	if c, ok := readEventClauses(sql); ok && c.status == EventDisableOnSlave {
		return sql[:c.start] + "ENABLE" + sql[c.end:]
	}
	return sql
}

// eventClauses is where the status clause of CREATE or ALTER EVENT lies.
type eventClauses struct {
	create     bool        // CREATE (else ALTER)
	status     EventStatus // the clause found
	start, end int         // its bytes, when found
	insertAt   int         // where a clause goes when there is none: before COMMENT or DO
}

// readEventClauses reads the header of CREATE or ALTER EVENT up to its DO.
func readEventClauses(sql string) (eventClauses, bool) {
	s := Classify(sql)
	if s.Kind != Event {
		return eventClauses{}, false
	}
	z := sqltok.New(sql)
	z.Off = s.body
	z.Next() // CREATE or ALTER
	if skipHeader(z) != "EVENT" {
		return eventClauses{}, false
	}
	skipIfExists(z)
	if _, _, _, _, ok := z.QualifiedName(); !ok {
		return eventClauses{}, false
	}
	c := eventClauses{create: s.Verb == "CREATE EVENT", start: -1, end: -1, insertAt: len(sql)}
	depth := 0
	for {
		t := z.Next()
		switch {
		case t.Kind == sqltok.EOF:
			return c, true
		case z.PunctIs(t, '('):
			depth++
		case z.PunctIs(t, ')'):
			depth--
		case depth > 0:
		case z.WordIs(t, "DO"):
			c.insertAt = min(c.insertAt, t.Start)
			return c, true
		case z.WordIs(t, "COMMENT"):
			c.insertAt = t.Start
		case z.WordIs(t, "ENABLE"):
			c.status, c.start, c.end = EventEnable, t.Start, t.End
		case z.WordIs(t, "DISABLE"):
			c.status, c.start, c.end = EventDisable, t.Start, t.End
			save := *z
			if on := z.Next(); z.WordIs(on, "ON") {
				if w := z.Next(); z.WordIs(w, "SLAVE") || z.WordIs(w, "REPLICA") {
					c.status, c.end = EventDisableOnSlave, w.End
					continue
				}
			}
			*z = save
		}
	}
}

// spaced puts hold between the text before at and the text from at with one
// space each side where there is none.
func spaced(sql string, at int, hold string) string {
	if at > 0 && !sqltok.IsSpace(sql[at-1]) {
		hold = " " + hold
	}
	if at < len(sql) {
		hold += " "
	}
	return hold
}
