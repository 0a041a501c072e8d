package restore

import (
	"strings"
)

// deferIndexes splits a CREATE TABLE as SHOW CREATE TABLE writes it (one
// definition per line) into the statement without its plain secondary keys
// (KEY/INDEX lines) and those keys' definitions, to be added once the rows are
// in: InnoDB builds an index from sorted rows faster than it maintains it row
// by row. Tables with foreign keys (whose indexes a constraint may need) and
// statements of another shape come back unchanged, with no keys.
func deferIndexes(create string) (string, []string) {
	lines := strings.Split(create, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "CREATE TABLE ") || !strings.HasSuffix(lines[0], "(") {
		return create, nil
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], ")") {
			end = i
			break
		}
	}
	if end < 0 {
		return create, nil
	}
	var keep, keys []string
	for _, l := range lines[1:end] {
		def := strings.TrimSuffix(strings.TrimSpace(l), ",")
		switch {
		case strings.HasPrefix(def, "CONSTRAINT ") || strings.HasPrefix(def, "FOREIGN KEY"):
			return create, nil
		case strings.HasPrefix(def, "KEY ") || strings.HasPrefix(def, "INDEX "):
			keys = append(keys, def)
		default:
			keep = append(keep, "  "+def)
		}
	}
	if len(keys) == 0 || len(keep) == 0 {
		return create, nil
	}
	out := lines[0] + "\n" + strings.Join(keep, ",\n") + "\n" + strings.Join(lines[end:], "\n")
	return out, keys
}

// addIndexesSQL is the ALTER TABLE that adds the deferred keys of table.
func addIndexesSQL(schema, table string, keys []string) string {
	return "ALTER TABLE " + quoteIdent(schema) + "." + quoteIdent(table) + " ADD " + strings.Join(keys, ", ADD ")
}
