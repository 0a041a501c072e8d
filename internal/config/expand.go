package config

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// expandNode replaces ${NAME} and ${NAME:-default} in every scalar value
// (never in keys). $$ stands for a literal $. A variable that is not set and
// has no default is an error naming it and the line, so a missing secret is
// not silently read as "".
func expandNode(n *yaml.Node, path string, lookup func(string) (string, bool), errs *Errors) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			expandNode(n.Content[i+1], join(path, n.Content[i].Value), lookup, errs)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			expandNode(c, path, lookup, errs)
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "$") {
			return
		}
		v, missing := expand(n.Value, lookup)
		for _, name := range missing {
			errs.addAt(n.Line, path, "uses ${%s}, which is not set in the environment (set it, or write ${%s:-default})", name, name)
		}
		n.Value = v
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 {
			n.Tag = "" // a plain value is resolved again after expansion: ${N:-8} is a number
		}
	}
}

// expand substitutes variables in s and returns the names that were missing.
func expand(s string, lookup func(string) (string, bool)) (string, []string) {
	var b strings.Builder
	var missing []string
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '{':
		default:
			b.WriteByte('$')
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		expr := s[i+2 : i+end]
		name, def, hasDef := strings.Cut(expr, ":-")
		if v, ok := lookup(name); ok && (v != "" || !hasDef) {
			b.WriteString(v)
		} else if hasDef {
			b.WriteString(def)
		} else {
			missing = append(missing, name)
		}
		i += end
	}
	return b.String(), missing
}
