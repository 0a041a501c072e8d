package config

import (
	"fmt"
	"strings"
)

// Problem is one invalid setting.
type Problem struct {
	Key  string // dotted path, e.g. storage.part_size
	Line int    // line in the file, 0 when not from the file
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s %s", p.Line, p.Key, p.Msg)
	}
	return p.Key + " " + p.Msg
}

// Errors lists every problem found, so an operator fixes them in one go.
type Errors struct {
	File     string
	Problems []Problem
}

func (e *Errors) add(key, format string, args ...any) {
	e.Problems = append(e.Problems, Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (e *Errors) addAt(line int, key, format string, args ...any) {
	e.Problems = append(e.Problems, Problem{Key: key, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (e *Errors) err() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

func (e *Errors) Error() string {
	var b strings.Builder
	where := "config"
	if e.File != "" {
		where = e.File
	}
	if len(e.Problems) == 1 {
		return fmt.Sprintf("%s: %s", where, e.Problems[0])
	}
	fmt.Fprintf(&b, "%s: %d problems:", where, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}
