package statement

import (
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/sqltok"
)

// A trigger on a standby must not fire for the rows pilotlight applies: a
// row-based binlog already holds its effects on the primary, as rows. So a
// standby's triggers are held: each keeps its place on the standby (DDL renames
// and drops it with its table, as on the primary), but its body is wrapped so
// that it does nothing in a session where @pilotlight_applier is set, which every
// applier session sets, and runs as written for any other session. Promotion
// unwraps it, restoring the exact definition.
const (
	// ApplierVariable is the session variable the applier sets.
	ApplierVariable = "@pilotlight_applier"
	// HeldPrefix and HeldSuffix surround a held trigger's original body. The
	// newline before the suffix ends a trailing -- comment in the body.
	HeldPrefix = "IF " + ApplierVariable + " IS NULL THEN /* held by pilotlight: this server is a " +
		"pilotlight standby, whose applied rows already carry this trigger's effects; promotion restores " +
		"the body below */ "
	HeldSuffix = "\n; END IF"
)

// TriggerHeader is what the header of CREATE TRIGGER says.
type TriggerHeader struct {
	Schema, Name string // the trigger (Schema empty: the table's database)
	Table        string
	BodyStart    int // byte offset where the body begins
	createEnd    int // just after CREATE
	orReplace    bool
	rowEnd       int // just after FOR EACH ROW
}

// ParseTrigger reads the header of a CREATE TRIGGER statement:
//
//	CREATE [OR REPLACE] [DEFINER = account] TRIGGER [IF NOT EXISTS] [db.]name
//	  {BEFORE | AFTER} event [OR event ...] ON [db.]table FOR EACH ROW
//	  [{FOLLOWS | PRECEDES} other] body
func ParseTrigger(sql string) (TriggerHeader, bool) {
	s := Classify(sql)
	if s.Kind != Trigger {
		return TriggerHeader{}, false
	}
	z := sqltok.New(sql)
	z.Off = s.body
	h := TriggerHeader{createEnd: z.Next().End}
	h.orReplace = z.AcceptSeq("OR", "REPLACE")
	if skipHeader(z) != "TRIGGER" {
		return TriggerHeader{}, false
	}
	skipIfExists(z)
	var ok bool
	if h.Schema, h.Name, _, _, ok = z.QualifiedName(); !ok {
		return TriggerHeader{}, false
	}
	if !z.Accept("BEFORE") && !z.Accept("AFTER") {
		return TriggerHeader{}, false
	}
	for {
		if !z.Accept("INSERT") && !z.Accept("UPDATE") && !z.Accept("DELETE") {
			return TriggerHeader{}, false
		}
		if !z.Accept("OR") {
			break
		}
	}
	if !z.Accept("ON") {
		return TriggerHeader{}, false
	}
	if _, h.Table, _, _, ok = z.QualifiedName(); !ok || !z.AcceptSeq("FOR", "EACH", "ROW") {
		return TriggerHeader{}, false
	}
	h.rowEnd = z.Off
	if z.Accept("FOLLOWS") || z.Accept("PRECEDES") {
		if _, _, _, _, ok := z.QualifiedName(); !ok {
			return TriggerHeader{}, false
		}
	}
	h.BodyStart = z.Off
	if z.Peek().Kind == sqltok.EOF {
		return TriggerHeader{}, false
	}
	return h, true
}

// HoldTrigger rewrites a CREATE TRIGGER statement so that the trigger is held
// (see HeldPrefix). ok is false when the statement is not one it can read.
func HoldTrigger(sql string) (held string, h TriggerHeader, ok bool) {
	h, ok = ParseTrigger(sql)
	if !ok {
		return sql, h, false
	}
	body := sql[h.BodyStart:]
	if IsHeldBody(strings.TrimLeft(body, " \t\r\n")) {
		return sql, h, true // already held (a standby's own snapshot, replayed)
	}
	return sql[:h.BodyStart] + " " + HeldPrefix + strings.TrimLeft(body, " \t\r\n") + HeldSuffix, h, true
}

// IsHeldBody reports whether a trigger body (information_schema.TRIGGERS
// ACTION_STATEMENT) is a held one.
func IsHeldBody(body string) bool {
	return strings.HasPrefix(body, HeldPrefix) && strings.HasSuffix(body, HeldSuffix)
}

// HeldBody wraps a trigger body.
func HeldBody(body string) string { return HeldPrefix + body + HeldSuffix }

// ReleasedBody returns the original body of a held trigger body; ok is false when
// body is not held.
func ReleasedBody(body string) (string, bool) {
	if !IsHeldBody(body) {
		return body, false
	}
	return body[len(HeldPrefix) : len(body)-len(HeldSuffix)], true
}

// RecreateTrigger rewrites a trigger's CREATE TRIGGER statement (as SHOW CREATE
// TRIGGER prints it) as CREATE OR REPLACE (orReplace) with order as its ordering
// clause ("PRECEDES t2", "FOLLOWS t1" or "" for none, replacing the one it had),
// its body held or released (held false: the original body).
func RecreateTrigger(create string, orReplace bool, order string, held bool) (string, bool) {
	h, ok := ParseTrigger(create)
	if !ok {
		return "", false
	}
	body := strings.TrimLeft(create[h.BodyStart:], " \t\r\n")
	if held && !IsHeldBody(body) {
		body = HeldBody(body)
	} else if !held {
		body, _ = ReleasedBody(body)
	}
	var b strings.Builder
	b.WriteString(create[:h.createEnd])
	if orReplace && !h.orReplace {
		b.WriteString(" OR REPLACE")
	}
	b.WriteString(create[h.createEnd:h.rowEnd])
	if order != "" {
		b.WriteString(" " + order)
	}
	b.WriteString(" " + body)
	return b.String(), true
}
