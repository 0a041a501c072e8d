package statement

import (
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/sqltok"
)

// Accounts lists the accounts an account statement acts on, each as
// CURRENT_USER() writes one (user@host, the host in lower case, '%' when the
// statement gives none): the users of CREATE/ALTER/DROP USER, both sides of
// RENAME USER, the grantees of GRANT and REVOKE, the user of SET PASSWORD FOR
// and SET DEFAULT ROLE ... FOR. CURRENT_USER[()] comes back as "CURRENT_USER()":
// whoever runs the statement. CURRENT_ROLE, PUBLIC and the like are left out, and
// so is everything for a statement of another kind. Roles given without a host
// come back as role@%, which no CURRENT_USER() names.
func Accounts(sql string) []string {
	s := Classify(sql)
	if s.Kind != Account {
		return nil
	}
	z := sqltok.New(sql)
	z.Off = s.body
	var start bool // the account list starts at the next token
	switch s.Verb {
	case "CREATE USER", "ALTER USER", "DROP USER", "RENAME USER":
		start = skipToTopLevelWord(z, "USER")
		if z.Accept("IF") {
			z.Accept("NOT")
			z.Accept("EXISTS")
		}
	case "GRANT":
		start = skipToTopLevelWord(z, "TO")
	case "REVOKE":
		start = skipToTopLevelWord(z, "FROM")
	case "SET PASSWORD", "SET DEFAULT ROLE":
		start = skipToTopLevelWord(z, "FOR")
	}
	if !start {
		return nil
	}
	var out []string
	for {
		if a, ok := readAccount(z); ok {
			out = append(out, a)
		}
		if s.Verb == "RENAME USER" && z.Accept("TO") {
			continue // RENAME USER a TO b, c TO d
		}
		if s.Verb == "SET PASSWORD" || s.Verb == "SET DEFAULT ROLE" || !skipToListComma(z) {
			return out
		}
	}
}

// readAccount reads user[@host] or CURRENT_USER[()] at z; other keywords give
// ok false.
func readAccount(z *sqltok.Tokenizer) (string, bool) {
	t := z.Next()
	if w := strings.ToUpper(z.Text(t)); t.Kind == sqltok.Word && isAccountKeyword(w) {
		if p := z.Peek(); z.PunctIs(p, '(') {
			z.Next()
			z.Next()
		}
		return "CURRENT_USER()", w == "CURRENT_USER"
	}
	user, ok := z.Ident(t)
	if !ok {
		return "", false
	}
	host := "%"
	if at := z.Peek(); z.PunctIs(at, '@') {
		z.Next()
		if h, ok := z.Ident(z.Next()); ok {
			host = h
		}
	}
	return user + "@" + strings.ToLower(host), true
}

// isAccountKeyword: words that stand where an account may, and are not one.
func isAccountKeyword(w string) bool {
	switch w {
	case "CURRENT_USER", "CURRENT_ROLE", "PUBLIC", "NONE", "ALL":
		return true
	}
	return false
}

// skipToListComma moves past the rest of one list item (its IDENTIFIED BY,
// WITH or REQUIRE clauses) and the comma after it; false at the end.
func skipToListComma(z *sqltok.Tokenizer) bool {
	return skipToTopLevel(z, func(t sqltok.Token) bool { return z.PunctIs(t, ',') })
}
