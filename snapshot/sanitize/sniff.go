package sanitize

import (
	"github.com/pilotlight-dr/pilotlight/internal/sqltok"

	"bytes"
	"fmt"
	"strings"
)

// statementWords are the words a statement in a dump (or a hand-written SQL
// script) can begin with, lower case: every statement mysqldump,
// mariadb-dump, mysqlpump and mydumper write, the mysql client's own
// commands, and the other statements a person may add.
var statementWords = map[string]bool{
	"alter": true, "analyze": true, "begin": true, "binlog": true, "call": true, "change": true,
	"charset": true, "check": true, "checksum": true, "commit": true, "create": true, "deallocate": true,
	"delete": true, "delimiter": true, "describe": true, "desc": true, "do": true, "drop": true,
	"execute": true, "explain": true, "flush": true, "grant": true, "handler": true, "insert": true,
	"install": true, "kill": true, "load": true, "lock": true, "optimize": true, "prepare": true,
	"purge": true, "release": true, "rename": true, "repair": true, "replace": true, "reset": true,
	"revoke": true, "rollback": true, "savepoint": true, "select": true, "set": true, "show": true,
	"source": true, "start": true, "stop": true, "table": true, "truncate": true, "uninstall": true,
	"unlock": true, "update": true, "use": true, "values": true, "with": true, "xa": true,
}

// sniff decides from the first bytes of the input (b, the whole input when
// eof) whether it is SQL: after white space and comments, the first thing
// must be a statement word (SET, CREATE, INSERT, ...), a versioned comment
// (/*!40101 ... */, /*M!...*/, which the client runs) or a parenthesis. It
// returns nil when it is, or when b holds only comments and the input goes
// on (nothing decided yet: a long header is not refused); otherwise an error
// wrapping ErrNotSQL that says what the input looks like. The input's own
// bytes are never quoted: a file given by mistake may hold secrets.
func sniff(b []byte, eof bool) error {
	line := 1
	i := 0
	seen := "white space"
	for i < len(b) {
		c := b[i]
		switch {
		case c == '\n':
			line++
			i++
		case sqltok.IsSpace(c) || c == ';':
			i++
		case c == '#' || c == '-' && i+1 < len(b) && b[i+1] == '-' && (i+2 == len(b) || b[i+2] <= ' '):
			j := bytes.IndexByte(b[i:], '\n')
			if j < 0 {
				return undecided(eof, "comments")
			}
			i += j
			seen = "comments"
		case c == '-' && i+1 == len(b) && !eof:
			return nil // "--" cut by the window
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			if sqltok.VersionedOpener(b, i) > 0 || i+2 < len(b) && b[i+2] == '!' || i+3 < len(b) && b[i+2] == 'M' && b[i+3] == '!' {
				return nil // /*!...*/ and /*M!...*/ are code the client runs
			}
			j := bytes.Index(b[i+2:], []byte("*/"))
			if j < 0 {
				return undecided(eof, "comments")
			}
			line += bytes.Count(b[i:i+2+j], []byte("\n"))
			i += 2 + j + 2
			seen = "comments"
		case c == '(':
			return nil
		case c == '/' && i+1 == len(b) && !eof:
			return nil // "/*" cut by the window
		default:
			j := i
			for j < len(b) && sqltok.IsWordByte(b[j]) {
				j++
			}
			if j == len(b) && !eof {
				return nil // a word cut by the window: let the statement decide
			}
			if statementWords[strings.ToLower(string(b[i:j]))] {
				return nil
			}
			return fmt.Errorf("%w: line %d %s (a dump's first statement is SET, CREATE, INSERT, ...); "+
				"give a file written by mysqldump, mariadb-dump or mysqlpump, plain, gzip or zstd", ErrNotSQL, line, looksLike(b[i:]))
		}
	}
	return undecided(eof, seen)
}

// undecided is sniff's answer when b ends before a statement: nothing is
// decided while the input goes on; at its end, there was no statement.
func undecided(eof bool, seen string) error {
	if !eof {
		return nil
	}
	if seen == "white space" {
		return fmt.Errorf("the input is empty, %w: nothing to sanitize (did the dump command fail?)", ErrNotSQL)
	}
	return fmt.Errorf("the input holds only %s and no SQL statement, %w", seen, ErrNotSQL)
}

// looksLike names what the input at b seems to be instead of SQL.
func looksLike(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("<?xml")) || bytes.HasPrefix(b, []byte("<mysqldump")):
		return "is XML (mysqldump --xml?), not SQL"
	case bytes.HasPrefix(b, []byte("<")):
		return "is markup (HTML or XML: an error page saved in place of the dump?), not SQL"
	case b[0] == '{' || b[0] == '[':
		return "looks like JSON or an INI section, not SQL"
	}
	return "does not begin with a SQL statement"
}
