package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
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
		return &Errors{Problems: []Problem{{Key: "yaml", Msg: strings.TrimPrefix(err.Error(), "yaml: ")}}}
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
	if err := root.Decode(cfg); err != nil {
		return &Errors{Problems: decodeProblems(err)}
	}
	return nil
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
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok {
			known := make([]string, 0, len(fields))
			for name := range fields {
				known = append(known, name)
			}
			sort.Strings(known)
			where := "at the top level"
			if path != "" {
				where = "in " + path
			}
			errs.addAt(k.Line, join(path, k.Value), "is not a known setting %s (known: %s)", where, strings.Join(known, ", "))
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
// into problems.
func decodeProblems(err error) []Problem {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []Problem{{Key: "yaml", Msg: strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	var out []Problem
	for _, e := range te.Errors {
		var line int
		msg := e
		if _, err := fmt.Sscanf(e, "line %d:", &line); err == nil {
			_, msg, _ = strings.Cut(e, ": ")
		}
		out = append(out, Problem{Key: "value", Line: line, Msg: msg})
	}
	return out
}
