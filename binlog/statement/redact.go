package statement

import (
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/sqltok"
)

// Redacted is what Redact puts in place of a secret.
const Redacted = "'<redacted>'"

// Redact returns sql fit for a log line or an error message. In an account
// statement (and CREATE/ALTER SERVER, whose options hold a password) every string
// literal that is not part of a user@host name is a password, a password hash or
// an authentication string, and is replaced: MariaDB logs CREATE USER ...
// IDENTIFIED BY 'password' with the password in clear. Other statements come back
// as they are.
func Redact(sql string) string {
	s := Classify(sql)
	if s.Kind != Account && s.Verb != "CREATE SERVER" && s.Verb != "ALTER SERVER" {
		return sql
	}
	z := sqltok.New(sql)
	var b strings.Builder
	last := 0
	var prev sqltok.Token
	for {
		t := z.Next()
		if t.Kind == sqltok.EOF {
			if z.Short { // an unterminated literal or comment: hide the rest
				b.WriteString(sql[last:t.Start])
				b.WriteString(Redacted)
				return b.String()
			}
			break
		}
		if t.Kind == sqltok.Quoted && sql[t.Start] != '`' && !nextToAt(z, prev, t) {
			b.WriteString(sql[last:t.Start])
			b.WriteString(Redacted)
			last = t.End
		}
		prev = t
	}
	b.WriteString(sql[last:])
	return b.String()
}

// nextToAt reports whether the literal t is the user or host of a user@host
// name: an @ right before it, or right after it.
func nextToAt(z *sqltok.Tokenizer, prev, t sqltok.Token) bool {
	if z.PunctIs(prev, '@') && prev.End == t.Start {
		return true
	}
	if t.End < len(z.S) && z.S[t.End] == '@' {
		return true
	}
	return false
}
