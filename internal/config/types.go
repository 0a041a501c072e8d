package config

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var (
	durationType = reflect.TypeFor[time.Duration]()
	byteSizeType = reflect.TypeFor[ByteSize]()
)

// checkTypes walks the (expanded) YAML beside the struct type t and reports
// every value that cannot become its setting's type, naming the key and the
// form it wants ("replication.rpo is 5; want a duration such as 1s or
// 500ms"), where yaml's own message ("cannot unmarshal !!int `5` into
// time.Duration") names neither. It retags two values yaml would refuse for
// no good reason: a duration of 0 (a plain 0 is an integer to YAML) and a
// number written in quotes ("${N}"). An empty value keeps the default, as
// yaml does. Only values of typed settings (durations, sizes, numbers,
// booleans) are quoted, never text, which may be a secret.
func checkTypes(n *yaml.Node, t reflect.Type, path string, errs *Errors) {
	if n.Kind == yaml.AliasNode || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // yaml resolves aliases on decode; null keeps the default
	}
	bad := func(want string) { errs.addAt(n.Line, path, "%s; want %s", shown(n), want) }
	switch {
	case t == durationType:
		if n.Kind == yaml.ScalarNode {
			if _, err := time.ParseDuration(strings.TrimSpace(n.Value)); err == nil {
				n.Tag = "!!str" // yaml parses a string into a Duration; 0 would be an integer
				return
			}
		}
		if isNumber(n) {
			bad("a duration such as 1s or 500ms (a number needs a unit: ms, s, m or h)")
		} else {
			bad("a duration such as 1s or 500ms")
		}
	case t == byteSizeType:
		if n.Kind == yaml.ScalarNode {
			if _, err := ParseByteSize(n.Value); err == nil {
				return
			}
		}
		bad("a size such as 64MiB, 512KiB or 1GiB")
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			errs.addAt(n.Line, path, "is %s; want its settings indented under it, one \"key: value\" per line (known: %s)",
				kindName(n), strings.Join(knownKeys(t), ", "))
			return
		}
		fields := fieldTypes(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if ft, ok := fields[n.Content[i].Value]; ok {
				checkTypes(n.Content[i+1], ft, join(path, n.Content[i].Value), errs)
			}
		}
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			errs.addAt(n.Line, path, "is %s; want a list: [a, b] on one line, or one \"- item\" per line below it", kindName(n))
			return
		}
		for _, item := range n.Content {
			checkTypes(item, t.Elem(), path, errs)
		}
	case t.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode {
			errs.addAt(n.Line, path, "is %s; want a single value", kindName(n))
		}
	case isIntKind(t.Kind()):
		if !wholeNumber(n, t) {
			bad(intForm(t))
		}
	case t.Kind() == reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Decode(new(bool)) != nil {
			bad("true or false")
		}
	}
}

// wholeNumber reports whether n decodes into the integer type t; a quoted
// number ("8", as "${N}" gives) is retagged so that it does.
func wholeNumber(n *yaml.Node, t reflect.Type) bool {
	if n.Kind != yaml.ScalarNode {
		return false
	}
	c := *n
	switch c.ShortTag() {
	case "!!int":
	case "!!str":
		c.Tag, c.Style = "!!int", 0
	default:
		return false // 1.5, true, ...
	}
	if c.Decode(reflect.New(t).Interface()) != nil {
		return false
	}
	n.Tag, n.Style = c.Tag, c.Style
	return true
}

func isIntKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// intForm describes the integers of type t.
func intForm(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number from 0 to " + strconv.FormatUint(1<<t.Bits()-1, 10)
	}
	return "a whole number such as 4"
}

func isNumber(n *yaml.Node) bool {
	tag := n.ShortTag()
	return n.Kind == yaml.ScalarNode && (tag == "!!int" || tag == "!!float")
}

// shown is "is <value>" for a scalar (at most 40 bytes of it), else says
// what the node is.
func shown(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return "is " + kindName(n)
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	return "is " + strconv.Quote(v)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a group of settings"
	}
	return "a single value"
}

// fieldTypes maps the YAML keys of struct type t to their field types.
func fieldTypes(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	return fields
}

// knownKeys lists the YAML keys of struct type t, sorted.
func knownKeys(t reflect.Type) []string {
	var known []string
	for name := range fieldTypes(t) {
		known = append(known, name)
	}
	sort.Strings(known)
	return known
}
