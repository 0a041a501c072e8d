package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// EnvVar names the environment variable that points at the config file.
const EnvVar = "PILOTLIGHT_CONFIG"

// Load reads the config file at path over the defaults. An empty path means
// no file: the defaults alone. lookup resolves ${NAME} (os.LookupEnv in
// production).
func Load(path string, lookup func(string) (string, bool)) (Config, error) {
	cfg := Default()
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return cfg, fmt.Errorf("config file %s does not exist: fix --config or %s", path, EnvVar)
		}
		return cfg, fmt.Errorf("read config file: %w", err)
	}
	if err := Parse(data, &cfg, lookup); err != nil {
		var ce *Errors
		if errors.As(err, &ce) {
			ce.File = path
		}
		return cfg, err
	}
	return cfg, nil
}

// Parse decodes YAML into cfg (which holds the defaults), expanding ${ENV}
// in values and rejecting unknown keys with their line numbers.
func Parse(data []byte, cfg *Config, lookup func(string) (string, bool)) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return &Errors{Problems: []Problem{syntaxProblem(data, err)}}
	}
	if len(doc.Content) == 0 {
		return nil // empty file: defaults
	}
	root := doc.Content[0]
	var errs Errors
	checkKeys(root, reflect.TypeOf(*cfg), "", &errs)
	expandNode(root, "", lookup, &errs)
	if len(errs.Problems) > 0 {
		return &errs
	}
	checkTypes(root, reflect.TypeOf(*cfg), "", &errs)
	if len(errs.Problems) > 0 {
		return &errs
	}
	if err := root.Decode(cfg); err != nil {
		return &Errors{Problems: decodeProblems(root, err)}
	}
	return nil
}

// syntaxProblem turns yaml's syntax error into a problem. A tab in the
// indentation gets its own message, with its line: yaml says "found
// character that cannot start any token", and often names another line.
func syntaxProblem(data []byte, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if strings.Contains(msg, "tab") || strings.Contains(msg, "cannot start any token") {
		if line := firstTabIndent(data); line > 0 {
			return Problem{Key: "yaml", Line: line, Msg: "forbids tabs for indentation, and this line is indented with one: indent with spaces"}
		}
	}
	return Problem{Key: "yaml", Msg: msg}
}

// firstTabIndent is the number of the first line whose indentation holds a
// tab (0: none).
func firstTabIndent(data []byte) int {
	for i, line := range strings.Split(string(data), "\n") {
		content := strings.TrimLeft(line, " \t")
		if content != "" && strings.Contains(line[:len(line)-len(content)], "\t") {
			return i + 1
		}
	}
	return 0
}

// checkKeys walks the YAML mapping alongside the struct type and reports
// keys the struct does not have, with their line and the keys it does have.
func checkKeys(n *yaml.Node, t reflect.Type, path string, errs *Errors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || n.Kind != yaml.MappingNode {
		return
	}
	fields := fieldTypes(t)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok {
			where := "at the top level"
			if path != "" {
				where = "in " + path
			}
			errs.addAt(k.Line, join(path, k.Value), "is not a known setting %s (known: %s)", where, strings.Join(knownKeys(t), ", "))
			continue
		}
		checkKeys(v, ft, join(path, k.Value), errs)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// decodeProblems turns yaml's type errors ("line 4: cannot unmarshal ...")
// into problems naming the key at that line. checkTypes finds every type
// error first; this is the fallback for what it does not know.
func decodeProblems(root *yaml.Node, err error) []Problem {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []Problem{{Key: "yaml", Msg: strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	var out []Problem
	for _, e := range te.Errors {
		var line int
		msg := e
		key := "value"
		if _, err := fmt.Sscanf(e, "line %d:", &line); err == nil {
			_, msg, _ = strings.Cut(e, ": ")
			if k := keyAtLine(root, "", line); k != "" {
				key = k
			}
		}
		out = append(out, Problem{Key: key, Line: line, Msg: msg})
	}
	return out
}

// keyAtLine is the dotted key whose value is at line, or "".
func keyAtLine(n *yaml.Node, path string, line int) string {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			if v.Line == line || k.Line == line && v.Kind == yaml.ScalarNode {
				return p
			}
			if found := keyAtLine(v, p, line); found != "" {
				return found
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Line == line && c.Kind == yaml.ScalarNode {
				return path
			}
			if found := keyAtLine(c, path, line); found != "" {
				return found
			}
		}
	}
	return ""
}
