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
// replicaWord is SLAVE (MariaDB, MySQL before 8.0.22) or REPLICA. enabled reports
// whether the statement enabled the event on the primary; ok is false when the
// statement is not CREATE or ALTER EVENT.
func HoldEvent(sql, replicaWord string) (held string, status EventStatus, ok bool) {
	s := Classify(sql)
	if s.Kind != Event {
		return sql, EventStatusNone, false
	}
	z := sqltok.New(sql)
	z.Off = s.body
	z.Next() // CREATE or ALTER
	if skipHeader(z) != "EVENT" {
		return sql, EventStatusNone, false
	}
	skipIfExists(z)
	if _, _, _, _, ok := z.QualifiedName(); !ok {
		return sql, EventStatusNone, false
	}
	clauseStart, clauseEnd, insertAt := -1, -1, len(sql)
	depth := 0
scan:
	for {
		t := z.Next()
		switch {
		case t.Kind == sqltok.EOF:
			break scan
		case z.PunctIs(t, '('):
			depth++
		case z.PunctIs(t, ')'):
			depth--
		case depth > 0:
		case z.WordIs(t, "DO"):
			insertAt = min(insertAt, t.Start)
			break scan
		case z.WordIs(t, "COMMENT"):
			insertAt = t.Start
		case z.WordIs(t, "ENABLE"):
			status, clauseStart, clauseEnd = EventEnable, t.Start, t.End
		case z.WordIs(t, "DISABLE"):
			status, clauseStart, clauseEnd = EventDisable, t.Start, t.End
			save := *z
			if on := z.Next(); z.WordIs(on, "ON") {
				if w := z.Next(); z.WordIs(w, "SLAVE") || z.WordIs(w, "REPLICA") {
					status, clauseEnd = EventDisableOnSlave, w.End
					continue
				}
			}
			*z = save
		}
	}
	hold := "DISABLE ON " + replicaWord
	switch {
	case status == EventEnable:
		return sql[:clauseStart] + hold + sql[clauseEnd:], status, true
	case status == EventStatusNone && s.Verb == "CREATE EVENT":
		return sql[:insertAt] + spaced(sql, insertAt, hold) + sql[insertAt:], status, true
	}
	return sql, status, true
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

// ReleaseEvent rewrites a CREATE EVENT statement (as SHOW CREATE EVENT prints it)
// of an event held on a standby (DISABLE ON SLAVE / REPLICA) as the primary has
// it, enabled; any other statement comes back unchanged.
func ReleaseEvent(sql string) string {
	s := Classify(sql)
	if s.Kind != Event {
		return sql
	}
	z := sqltok.New(sql)
	z.Off = s.body
	depth := 0
	for {
		t := z.Next()
		switch {
		case t.Kind == sqltok.EOF:
			return sql
		case z.PunctIs(t, '('):
			depth++
		case z.PunctIs(t, ')'):
			depth--
		case depth > 0:
		case z.WordIs(t, "DO"):
			return sql
		case z.WordIs(t, "DISABLE"):
			save := *z
			if on := z.Next(); z.WordIs(on, "ON") {
				if w := z.Next(); z.WordIs(w, "SLAVE") || z.WordIs(w, "REPLICA") {
					return sql[:t.Start] + "ENABLE" + sql[w.End:]
				}
			}
			*z = save
		}
	}
}
