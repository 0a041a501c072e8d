package sanitize

import (
	"github.com/pilotlight-dr/pilotlight/internal/sqltok"

	"bytes"
	"fmt"
	"log/slog"
	"strings"
)

// rewrite handles a held SET or replication statement; ended says it ends
// with the delimiter.
func (f *filter) rewrite(kind stmtKind, ended bool) error {
	stmt := f.held
	body := stmt
	if ended {
		body = stmt[:len(stmt)-len(f.lex.delim)]
	}
	if kind == kindReplication {
		z := sqltok.Tokenizer{S: body, Final: true}
		w1, w2 := z.Next(), z.Next()
		what := strings.ToUpper(string(body[w1.Start:w1.End]) + " " + string(body[w2.Start:w2.End]))
		f.removed(what, body)
		f.dropLineEnd = true
		return nil
	}
	f.trackSQLMode(body)
	e := editSet(body)
	if len(e.removed) == 0 {
		return f.write(stmt)
	}
	for _, r := range e.removed {
		f.removed(r.what, append([]byte("SET "), body[r.start:r.end]...))
		if r.gtid != nil {
			f.rep.GTIDs = append(f.rep.GTIDs, *r.gtid)
		}
	}
	if e.text == nil {
		f.dropLineEnd = true
		return nil
	}
	if ended {
		e.text = append(e.text, f.lex.delim...)
	}
	return f.write(e.text)
}

func (f *filter) write(p []byte) error {
	if _, err := f.out.Write(p); err != nil {
		return fmt.Errorf("write the sanitized SQL: %w", err)
	}
	return nil
}

// removed records a removal. (A whole statement removed takes its line end
// with it: dropLineEnd.)
func (f *filter) removed(what string, text []byte) {
	one := strings.Join(strings.Fields(string(text)), " ")
	if len(one) > 200 {
		one = one[:200] + "..."
	}
	f.rep.Removed = append(f.rep.Removed, Removal{What: what, Statement: one, Offset: f.heldAt})
	if f.opt.Logger != nil {
		f.opt.Logger.Debug("statement removed", slog.String("what", what), slog.String("statement", one), slog.Int64("offset", f.heldAt))
	}
}

// overflow is called when a held statement grows past MaxStatement: a SET
// that touches no variable we remove is copied out as it is; anything else
// is an error rather than a dump that still fails on the target.
func (f *filter) overflow() error {
	if e := editSet(f.held); len(e.removed) > 0 || !startsWithSet(f.held) {
		return fmt.Errorf("statement at byte %d is longer than %d bytes and needs rewriting: not a dump this tool can sanitize", f.heldAt, f.opt.MaxStatement)
	}
	f.capturing = false
	err := f.write(f.held)
	f.held = nil
	return err
}

func startsWithSet(b []byte) bool {
	z := sqltok.Tokenizer{S: b}
	return z.WordIs(z.Next(), "SET")
}

// setEdit is a SET statement with the assignments that need SUPER taken
// out. text is nil when none is left (drop the statement).
type setEdit struct {
	text    []byte
	removed []assignment
}

type assignment struct {
	start, end int    // from its first token to its last
	scope      string // GLOBAL, SESSION, ... when it starts with one
	what       string // set when it must go: SQL_LOG_BIN, GTID_PURGED, gtid_slave_pos
	nameAt     int    // the variable's name, as written
	nameEnd    int
	gtid       *GTID
}

// removable names the variables whose assignments need SUPER (or would
// change the target's replication state) and what a removal is called.
func removable(name []byte) string {
	switch {
	case sqltok.UpperEq(name, "SQL_LOG_BIN"):
		return "SQL_LOG_BIN"
	case sqltok.UpperEq(name, "GTID_PURGED"):
		return "GTID_PURGED"
	case sqltok.UpperEq(name, "GTID_SLAVE_POS"):
		return "gtid_slave_pos"
	}
	return ""
}

// editSet splits the SET statement body into its assignments (top-level
// commas) and removes those naming a removable system variable, as target or
// value: SET @saved = @@SESSION.SQL_LOG_BIN goes too. User variables
// (@sql_log_bin) are not system variables and stay.
func editSet(body []byte) setEdit {
	z := sqltok.Tokenizer{S: body, Final: true}
	if !z.WordIs(z.Next(), "SET") {
		return setEdit{}
	}
	var all []assignment
	cur := assignment{start: -1}
	var values []string
	sawEq, depth := false, 0
	closeCur := func() {
		if cur.start >= 0 {
			if cur.what == "GTID_PURGED" || cur.what == "gtid_slave_pos" {
				if len(values) > 0 && values[0] == "+" { // MySQL 8's /*!80000 '+'*/ prefix
					values = values[1:]
				}
				set := strings.Join(strings.Fields(strings.Join(values, "")), "")
				cur.gtid = &GTID{Variable: string(body[cur.nameAt:cur.nameEnd]), Set: set}
			}
			all = append(all, cur)
		}
		cur, values, sawEq = assignment{start: -1}, nil, false
	}
	for {
		t := z.Next()
		if t.Kind == sqltok.EOF {
			break
		}
		tok := body[t.Start:t.End]
		switch {
		case depth == 0 && z.PunctIs(t, ','):
			closeCur()
			continue
		case z.PunctIs(t, '('):
			depth++
		case z.PunctIs(t, ')'):
			depth--
		case z.PunctIs(t, '='):
			sawEq = true
		case t.Kind == sqltok.Quoted && sawEq && tok[0] != '`':
			values = append(values, sqltok.Unquote(tok))
		case t.Kind == sqltok.Word && cur.start < 0 && isScope(tok):
			cur.scope = string(tok)
		case t.Kind == sqltok.Word && cur.what == "" && !isUserVar(body, t.Start):
			if w := removable(tok); w != "" {
				cur.what, cur.nameAt, cur.nameEnd = w, t.Start, t.End
			}
		}
		if cur.start < 0 {
			cur.start = t.Start
		}
		cur.end = t.End
	}
	closeCur()
	var kept, removed []assignment
	for _, a := range all {
		if a.what != "" {
			removed = append(removed, a)
		} else {
			kept = append(kept, a)
		}
	}
	if len(removed) == 0 {
		return setEdit{}
	}
	if len(kept) == 0 {
		return setEdit{removed: removed}
	}
	var out bytes.Buffer
	out.Write(body[:all[0].start])
	if first := all[0]; first.what != "" && first.scope != "" && kept[0].scope == "" {
		out.WriteString(first.scope + " ") // SET GLOBAL a=1, b=2: b is GLOBAL too
	}
	for i, a := range kept {
		if i > 0 {
			out.WriteString(", ")
		}
		out.Write(body[a.start:a.end])
	}
	out.Write(body[all[len(all)-1].end:])
	return setEdit{text: out.Bytes(), removed: removed}
}

func isScope(w []byte) bool {
	for _, s := range []string{"GLOBAL", "SESSION", "LOCAL", "PERSIST", "PERSIST_ONLY"} {
		if sqltok.UpperEq(w, s) {
			return true
		}
	}
	return false
}

// isUserVar: the word at s[i] follows a single @ (@name, not @@name).
func isUserVar(s []byte, i int) bool {
	return i >= 1 && s[i-1] == '@' && (i < 2 || s[i-2] != '@')
}
