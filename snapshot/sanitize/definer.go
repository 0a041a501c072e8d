package sanitize

import (
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
		end := quotedEnd([]byte(spec), 0, true)
		if end < 0 {
			return "", fmt.Errorf("account %q: unterminated quote", spec)
		}
		user = unquote([]byte(spec[:end]))
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
				if quotedEnd(hb, 0, true) != len(hb) {
					return "", fmt.Errorf("account %q: bad quoting in the host part", spec)
				}
				host = unquote(hb)
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
	z := tokenizer{s: s, final: final}
	t := z.next()
	if !z.wordIs(t, "CREATE") && !z.wordIs(t, "ALTER") {
		return definer{more: t.kind == tokEOF && z.short}
	}
	for range maxHeaderTokens {
		t = z.next()
		switch {
		case t.kind == tokEOF || z.short:
			return definer{more: z.short, headerEnd: t.start}
		case z.wordIs(t, "DEFINER"):
			save := z
			if eq := z.next(); z.punctIs(eq, '=') {
				end, ok := parseAccount(&z)
				if z.short {
					return definer{more: true}
				}
				if !ok {
					return definer{headerEnd: t.start}
				}
				return definer{start: t.start, end: end, found: true, headerEnd: end}
			}
			z = save // SQL SECURITY DEFINER
		case z.punctIs(t, '='), isHeaderWord(&z, t):
		default:
			return definer{headerEnd: t.start} // the object keyword, or not a definer statement
		}
	}
	return definer{headerEnd: z.off}
}

// isHeaderWord: the words that may come between CREATE and DEFINER.
func isHeaderWord(z *tokenizer, t token) bool {
	for _, w := range []string{"OR", "REPLACE", "ALGORITHM", "UNDEFINED", "MERGE", "TEMPTABLE", "SQL", "SECURITY", "INVOKER"} {
		if z.wordIs(t, w) {
			return true
		}
	}
	return false
}

// parseAccount reads the account after "DEFINER =": CURRENT_USER,
// CURRENT_USER(), user, user@host with each part quoted or bare. It returns
// the offset just past the account.
func parseAccount(z *tokenizer) (int, bool) {
	t := z.next()
	if z.wordIs(t, "CURRENT_USER") {
		end := t.end
		save := z.clone()
		if p := z.next(); z.punctIs(p, '(') {
			if q := z.next(); z.punctIs(q, ')') {
				return q.end, true
			}
		}
		*z = save
		return end, true
	}
	if t.kind != tokQuoted && t.kind != tokWord {
		return 0, false
	}
	end := t.end
	if end < len(z.s) && z.s[end] == '@' || end == len(z.s) && !z.final {
		if end == len(z.s) {
			z.short = true
			return 0, false
		}
		i := end + 1
		if i < len(z.s) && (z.s[i] == '\'' || z.s[i] == '"' || z.s[i] == '`') {
			e := quotedEnd(z.s, i, z.final)
			if e < 0 {
				z.short = true
				return 0, false
			}
			i = e
		} else {
			for i < len(z.s) && (isWordByte(z.s[i]) || strings.IndexByte(".%-:", z.s[i]) >= 0) {
				i++
			}
			if i == len(z.s) && !z.final {
				z.short = true
				return 0, false
			}
		}
		end = i
		z.off = i
	}
	return end, true
}

func (z *tokenizer) clone() tokenizer { return *z }

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
	if resume < len(s) && isWordByte(s[resume]) && (start == 0 || !isSpace(s[start-1])) {
		return " ", resume
	}
	return "", resume
}
