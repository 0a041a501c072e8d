package statement

import (
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/sqltok"
)

// WithoutDirectories removes the DATA DIRECTORY and INDEX DIRECTORY options from
// CREATE TABLE and ALTER TABLE (table and partition options alike): they name
// paths on the primary's host, which mean nothing on a standby in another cloud,
// where the table lives in the server's own data directory. The sql_mode
// NO_DIR_IN_CREATE would ignore them too, but its warning is an error under the
// strict modes a statement usually runs with. changed reports whether any was
// removed; other statements come back as they are.
func WithoutDirectories(sql string) (out string, changed bool) {
	s := Classify(sql)
	if s.Verb != "CREATE TABLE" && s.Verb != "ALTER TABLE" {
		return sql, false
	}
	z := sqltok.New(sql)
	z.Off = s.body
	var b strings.Builder
	last := 0
	for {
		t := z.Next()
		if t.Kind == sqltok.EOF {
			break
		}
		if !z.WordIs(t, "DATA") && !z.WordIs(t, "INDEX") {
			continue
		}
		save := *z
		if !z.Accept("DIRECTORY") {
			*z = save
			continue
		}
		if eq := z.Peek(); z.PunctIs(eq, '=') {
			z.Next()
		}
		if path := z.Next(); path.Kind != sqltok.Quoted {
			*z = save
			continue
		}
		b.WriteString(sql[last:t.Start])
		last = z.Off
		changed = true
	}
	if !changed {
		return sql, false
	}
	b.WriteString(sql[last:])
	return b.String(), true
}

// DropIfExists rewrites DROP [TEMPORARY] TABLE|TABLES ... without IF EXISTS as
// DROP ... TABLE IF EXISTS ...; ok is false for any other statement.
func DropIfExists(sql string) (string, bool) {
	s := Classify(sql)
	if s.Verb != "DROP TABLE" && s.Verb != "DROP TABLES" {
		return sql, false
	}
	z := sqltok.New(sql)
	z.Off = s.body
	z.Next() // DROP
	z.Accept("TEMPORARY")
	t := z.Next() // TABLE or TABLES
	if z.AcceptSeq("IF", "EXISTS") {
		return sql, false
	}
	return sql[:t.End] + " IF EXISTS" + sql[t.End:], true
}
