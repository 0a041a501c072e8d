package sanitize

import (
	"github.com/pilotlight-dr/pilotlight/internal/sqltok"

	"errors"
	"fmt"
	"strings"
)

// StripDefiner removes the DEFINER= clause from one CREATE (or ALTER)
// statement for a view, trigger, procedure, function or event, as SHOW
// CREATE VIEW/TRIGGER/PROCEDURE/FUNCTION/EVENT or a dump prints it, so that
// the object belongs to whoever loads it: a managed target (RDS, Azure, Cloud
// SQL) refuses a foreign definer to a user without SUPER or SET USER (ERROR
// 1227). With a non-empty replacement (an account as QuoteAccount takes it,
// e.g. "app@%"), the clause names that account instead.
//
// Only the statement's header is read, up to the object keyword (VIEW,
// TRIGGER, ...), so DEFINER= inside the body (a string, a comment) is never
// touched; versioned comments such as /*!50013 DEFINER=`root`@`localhost`
// SQL SECURITY DEFINER */ count as code. SQL SECURITY DEFINER stays. Any other
// statement comes back unchanged. An invalid replacement is used as written,
// so that the load fails loudly rather than keep the old definer: callers
// validate it with QuoteAccount first.
func StripDefiner(stmt string, replacement string) string {
	s := []byte(stmt)
	d := findDefiner(s, true)
	if !d.found {
		return stmt
	}
	clause := ""
	if replacement != "" {
		acct, err := QuoteAccount(replacement)
		if err != nil {
			acct = replacement
		}
		clause = "DEFINER=" + acct
	}
	ins, resume := definerEdit(s, d.start, d.end, clause)
	return stmt[:d.start] + ins + stmt[resume:]
}

// QuoteAccount turns an account as a DBA writes it (app@%, app@10.0.0.1,
// 'app'@'%', `app`@`%`, app for app@%, CURRENT_USER) into the quoted form a
// DEFINER clause takes: `app`@`%`.
func QuoteAccount(spec string) (string, error) {
	spec = strings.TrimSpace(spec)
	if up := strings.ToUpper(spec); up == "CURRENT_USER" || up == "CURRENT_USER()" {
		return "CURRENT_USER", nil
	}
	var user, host string
	if spec != "" && strings.ContainsRune("'\"`", rune(spec[0])) {
		end := sqltok.QuotedEnd([]byte(spec), 0, true)
		if end < 0 {
			return "", fmt.Errorf("account %q: unterminated quote", spec)
		}
		user = sqltok.Unquote([]byte(spec[:end]))
		rest := spec[end:]
		switch {
		case rest == "":
			host = "%"
		case rest[0] != '@':
			return "", fmt.Errorf("account %q: expected @ after the user name", spec)
		default:
			host = rest[1:]
			if host != "" && strings.ContainsRune("'\"`", rune(host[0])) {
				hb := []byte(host)
				if sqltok.QuotedEnd(hb, 0, true) != len(hb) {
					return "", fmt.Errorf("account %q: bad quoting in the host part", spec)
				}
				host = sqltok.Unquote(hb)
			}
		}
	} else {
		at := strings.LastIndexByte(spec, '@')
		if at < 0 {
			user, host = spec, "%"
		} else {
			user, host = spec[:at], spec[at+1:]
		}
	}
	if user == "" {
		return "", errors.New("account: the user name is empty (write user@host, e.g. app@%)")
	}
	if host == "" {
		return "", fmt.Errorf("account %q: the host is empty (use %% for any host)", spec)
	}
	q := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
	return q(user) + "@" + q(host), nil
}

// definer is where a DEFINER clause lies in a statement's text.
type definer struct {
	start, end int  // "DEFINER" through the end of the account
	found      bool // the header has a DEFINER clause
	more       bool // the text ended before the header did: give more
	headerEnd  int  // where the header scan stopped
}

// maxHeaderTokens bounds the header scan: CREATE OR REPLACE ALGORITHM =
// UNDEFINED DEFINER = `u` @ `h` SQL SECURITY DEFINER VIEW is 14 tokens.
const maxHeaderTokens = 32

// findDefiner scans the header of the statement at the start of s for a
// DEFINER clause. final says s is the whole statement.
func findDefiner(s []byte, final bool) definer {
	z := sqltok.Tokenizer{S: s, Final: final}
	t := z.Next()
	if !z.WordIs(t, "CREATE") && !z.WordIs(t, "ALTER") {
		return definer{more: t.Kind == sqltok.EOF && z.Short}
	}
	for range maxHeaderTokens {
		t = z.Next()
		switch {
		case t.Kind == sqltok.EOF || z.Short:
			return definer{more: z.Short, headerEnd: t.Start}
		case z.WordIs(t, "DEFINER"):
			save := z
			if eq := z.Next(); z.PunctIs(eq, '=') {
				end, ok := parseAccount(&z)
				if z.Short {
					return definer{more: true}
				}
				if !ok {
					return definer{headerEnd: t.Start}
				}
				return definer{start: t.Start, end: end, found: true, headerEnd: end}
			}
			z = save // SQL SECURITY DEFINER
		case z.PunctIs(t, '='), isHeaderWord(&z, t):
		default:
			return definer{headerEnd: t.Start} // the object keyword, or not a definer statement
		}
	}
	return definer{headerEnd: z.Off}
}

// isHeaderWord: the words that may come between CREATE and DEFINER.
func isHeaderWord(z *sqltok.Tokenizer, t sqltok.Token) bool {
	for _, w := range []string{"OR", "REPLACE", "ALGORITHM", "UNDEFINED", "MERGE", "TEMPTABLE", "SQL", "SECURITY", "INVOKER"} {
		if z.WordIs(t, w) {
			return true
		}
	}
	return false
}

// parseAccount reads the account after "DEFINER =": CURRENT_USER,
// CURRENT_USER(), user, user@host with each part quoted or bare. It returns
// the offset just past the account.
func parseAccount(z *sqltok.Tokenizer) (int, bool) {
	t := z.Next()
	if z.WordIs(t, "CURRENT_USER") {
		end := t.End
		save := *z
		if p := z.Next(); z.PunctIs(p, '(') {
			if q := z.Next(); z.PunctIs(q, ')') {
				return q.End, true
			}
		}
		*z = save
		return end, true
	}
	if t.Kind != sqltok.Quoted && t.Kind != sqltok.Word {
		return 0, false
	}
	end := t.End
	if end < len(z.S) && z.S[end] == '@' || end == len(z.S) && !z.Final {
		if end == len(z.S) {
			z.Short = true
			return 0, false
		}
		i := end + 1
		if i < len(z.S) && (z.S[i] == '\'' || z.S[i] == '"' || z.S[i] == '`') {
			e := sqltok.QuotedEnd(z.S, i, z.Final)
			if e < 0 {
				z.Short = true
				return 0, false
			}
			i = e
		} else {
			for i < len(z.S) && (sqltok.IsWordByte(z.S[i]) || strings.IndexByte(".%-:", z.S[i]) >= 0) {
				i++
			}
			if i == len(z.S) && !z.Final {
				z.Short = true
				return 0, false
			}
		}
		end = i
		z.Off = i
	}
	return end, true
}

// definerEdit returns what replaces s[start:end] (the clause) and where the
// text resumes: stripping also takes the blanks after the clause, unless
// that would glue two words together.
func definerEdit(s []byte, start, end int, clause string) (string, int) {
	if clause != "" {
		return clause, end
	}
	resume := end
	for resume < len(s) && (s[resume] == ' ' || s[resume] == '\t') {
		resume++
	}
	if resume < len(s) && sqltok.IsWordByte(s[resume]) && (start == 0 || !sqltok.IsSpace(s[start-1])) {
		return " ", resume
	}
	return "", resume
}
