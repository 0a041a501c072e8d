package binlog

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// grants is what SHOW GRANTS says the connected user holds. Column-level grants are
// ignored (they never cover a whole table) and so are table-level ones: pilotlight
// needs whole schemas.
type grants struct {
	user   string              // CURRENT_USER() quoted for a GRANT: 'u'@'h'
	global map[string]bool     // privileges ON *.*
	dbs    map[string][]string // schema pattern (LIKE syntax) -> privileges
	roles  bool                // some privileges may come through roles, which SHOW GRANTS does not expand
}

// readGrants runs SHOW GRANTS for the connected user.
func readGrants(ctx context.Context, db *sql.DB) (grants, error) {
	var cur string
	if err := db.QueryRowContext(ctx, "SELECT CURRENT_USER()").Scan(&cur); err != nil {
		return grants{}, fmt.Errorf("read current user: %w", err)
	}
	rows, err := db.QueryContext(ctx, "SHOW GRANTS")
	if err != nil {
		return grants{}, fmt.Errorf("show grants: %w", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return grants{}, fmt.Errorf("show grants: %w", err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		return grants{}, fmt.Errorf("show grants: %w", err)
	}
	g := parseGrants(lines)
	g.user = quoteUser(cur)
	return g, nil
}

// quoteUser turns CURRENT_USER()'s user@host into 'user'@'host'.
func quoteUser(cur string) string {
	i := strings.LastIndex(cur, "@")
	if i < 0 {
		return "'" + cur + "'"
	}
	return "'" + cur[:i] + "'@'" + cur[i+1:] + "'"
}

// parseGrants reads SHOW GRANTS lines of MySQL and MariaDB:
//
//	GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION
//	GRANT SELECT, INSERT (c) ON `db\_1`.* TO 'u'@'%'
//	GRANT `role` TO `u`@`%`
func parseGrants(lines []string) grants {
	g := grants{global: map[string]bool{}, dbs: map[string][]string{}}
	for _, line := range lines {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "GRANT ")
		if !ok {
			continue
		}
		on := indexOutside(rest, " ON ")
		if on < 0 {
			g.roles = true // GRANT role TO user
			continue
		}
		privs := splitPrivileges(rest[:on])
		rest = rest[on+len(" ON "):]
		to := indexOutside(rest, " TO ")
		if to < 0 {
			continue
		}
		obj := strings.TrimSpace(rest[:to])
		switch {
		case obj == "*.*" || obj == "*":
			for _, p := range privs {
				g.global[p] = true
			}
		case strings.HasSuffix(obj, ".*"):
			db := unquoteIdent(strings.TrimSuffix(obj, ".*"))
			g.dbs[db] = append(g.dbs[db], privs...)
		}
	}
	return g
}

// has reports whether the user holds priv on every table of schema, or on *.* when
// schema is "".
func (g grants) has(priv, schema string) bool {
	if g.global[priv] || g.global["ALL PRIVILEGES"] || g.global["ALL"] {
		return true
	}
	if priv == "REPLICATION CLIENT" && g.global["BINLOG MONITOR"] { // MariaDB 10.5+ renamed it
		return true
	}
	if schema == "" {
		return false
	}
	for pattern, privs := range g.dbs {
		if likeMatch(pattern, schema) &&
			(slices.Contains(privs, priv) || slices.Contains(privs, "ALL PRIVILEGES") || slices.Contains(privs, "ALL")) {
			return true
		}
	}
	return false
}

// missing lists the privileges of want that the user lacks on schema.
func (g grants) missing(want []string, schema string) []string {
	var out []string
	for _, p := range want {
		if !g.has(p, schema) {
			out = append(out, p)
		}
	}
	return out
}

// splitPrivileges splits "SELECT, INSERT (a, b), REPLICATION SLAVE" at top-level
// commas, dropping column-level privileges.
func splitPrivileges(s string) []string {
	var out []string
	depth, start := 0, 0
	flush := func(end int) {
		p := strings.ToUpper(strings.Join(strings.Fields(s[start:end]), " "))
		if p != "" && !strings.Contains(p, "(") {
			if p == "REPLICATION REPLICA" { // MariaDB's alias
				p = "REPLICATION SLAVE"
			}
			out = append(out, p)
		}
	}
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				flush(i)
				start = i + 1
			}
		}
	}
	flush(len(s))
	return out
}

// indexOutside is strings.Index of sep outside `identifiers`, 'strings' and
// (column lists).
func indexOutside(s, sep string) int {
	var quote byte
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '`' || c == '\'' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], sep):
			return i
		}
	}
	return -1
}

// unquoteIdent removes `backticks` (doubled backticks inside stand for one).
func unquoteIdent(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '`' && s[len(s)-1] == '`' || s[0] == '"' && s[len(s)-1] == '"') {
		q := string(s[0])
		return strings.ReplaceAll(s[1:len(s)-1], q+q, q)
	}
	return s
}

// likeMatch matches name against a schema grant pattern, where _ and % are
// wildcards and \ escapes the next character (as in GRANT ... ON `db\_1`.*).
func likeMatch(pattern, name string) bool {
	if pattern == "" {
		return name == ""
	}
	switch c := pattern[0]; c {
	case '%':
		for i := 0; i <= len(name); i++ {
			if likeMatch(pattern[1:], name[i:]) {
				return true
			}
		}
		return false
	case '_':
		return name != "" && likeMatch(pattern[1:], name[1:])
	case '\\':
		if len(pattern) > 1 {
			return name != "" && pattern[1] == name[0] && likeMatch(pattern[2:], name[1:])
		}
	}
	return name != "" && pattern[0] == name[0] && likeMatch(pattern[1:], name[1:])
}
