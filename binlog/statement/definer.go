package statement

import (
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/sqltok"
)

// QuoteAccount writes user@host as a DEFINER clause or GRANT takes it:
// `user`@`host`.
func QuoteAccount(user, host string) string {
	q := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
	return q(user) + "@" + q(host)
}

// AsInvoker makes a statement whose effect depends on who runs it mean on the
// standby what it meant on the primary, where invoker (QuoteAccount's form) ran
// it, as a native replica's SQL thread does with the event's invoker:
//
//   - DEFINER = CURRENT_USER[()] in a CREATE or ALTER header names invoker;
//   - ALTER EVENT without a DEFINER clause gets DEFINER = invoker (ALTER EVENT
//     makes whoever runs it the event's definer);
//   - in an account statement, CURRENT_USER[()] names invoker.
//
// Anything else comes back unchanged, and so does every statement when invoker
// is empty.
func AsInvoker(sql, invoker string) string {
	if invoker == "" {
		return sql
	}
	s := Classify(sql)
	z := sqltok.New(sql)
	z.Off = s.body
	first := z.Next()
	switch {
	case s.Kind == Account:
		return replaceCurrentUser(sql, s.body, invoker)
	case z.WordIs(first, "CREATE") || z.WordIs(first, "ALTER"):
		for range 32 {
			t := z.Next()
			switch {
			case z.WordIs(t, "DEFINER"):
				if eq := z.Peek(); z.PunctIs(eq, '=') {
					z.Next()
				}
				v := z.Next()
				if !z.WordIs(v, "CURRENT_USER") {
					return sql
				}
				end := v.End
				if p := z.Peek(); z.PunctIs(p, '(') {
					z.Next()
					if c := z.Next(); z.PunctIs(c, ')') {
						end = c.End
					}
				}
				return sql[:v.Start] + invoker + sql[end:]
			case z.WordIs(t, "EVENT"):
				if s.Verb == "ALTER EVENT" {
					return sql[:first.End] + " DEFINER=" + invoker + sql[first.End:]
				}
				return sql
			case t.Kind == sqltok.EOF, t.Kind == sqltok.Word && isObjectWord(z, t):
				return sql
			}
		}
	}
	return sql
}

// isObjectWord: the object keywords that end a CREATE/ALTER header.
func isObjectWord(z *sqltok.Tokenizer, t sqltok.Token) bool {
	for _, w := range []string{"VIEW", "TRIGGER", "PROCEDURE", "FUNCTION", "TABLE", "DATABASE", "SCHEMA", "INDEX",
		"USER", "ROLE", "SEQUENCE", "SERVER", "PACKAGE"} {
		if z.WordIs(t, w) {
			return true
		}
	}
	return false
}

// replaceCurrentUser replaces every CURRENT_USER or CURRENT_USER() token of sql
// from off on with account.
func replaceCurrentUser(sql string, off int, account string) string {
	z := sqltok.New(sql)
	z.Off = off
	var b strings.Builder
	last := 0
	for {
		t := z.Next()
		if t.Kind == sqltok.EOF {
			break
		}
		if !z.WordIs(t, "CURRENT_USER") {
			continue
		}
		end := t.End
		save := *z
		if p := z.Next(); z.PunctIs(p, '(') {
			if c := z.Next(); z.PunctIs(c, ')') {
				end = c.End
			} else {
				*z = save
			}
		} else {
			*z = save
		}
		b.WriteString(sql[last:t.Start])
		b.WriteString(account)
		last = end
	}
	b.WriteString(sql[last:])
	return b.String()
}
