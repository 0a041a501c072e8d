package snapshot

import (
	"fmt"
	"path"
	"strings"
)

// Selection is the part of a snapshot that a load applies: what
// Manifest.Select chose by table. Its schemas and tables are the manifest's
// own values (sharing their slices), in manifest order, so that a restorer
// can create every database and table first and then load the chunks in any
// order it likes; Files is the same selection as one script's load order.
type Selection struct {
	// Schemas are the databases that have at least one selected table (with
	// no include patterns, also those that have no table at all). Each one's
	// Tables holds only its selected tables; its Objects (views, routines,
	// triggers, events) is kept only when Filtered is false, since such
	// objects may name tables that were left out.
	Schemas []Schema
	// Filtered reports that patterns were given, so the selection may leave
	// tables out and leaves every schema's Objects out.
	Filtered bool
}

// UnmatchedPatternError is Manifest.Select's error for an include pattern that
// matches no table of the snapshot.
type UnmatchedPatternError struct {
	Pattern  string   // the include pattern, as given
	Snapshot string   // the snapshot's id
	Tables   []string // the snapshot's tables as db.table, in manifest order
}

func (e *UnmatchedPatternError) Error() string {
	return fmt.Sprintf("%q matches no table of snapshot %s; it has %s", e.Pattern, e.Snapshot, listNames(e.Tables, 8))
}

// Select chooses the snapshot's tables by db.table shell patterns (path.Match
// syntax, as replicate's --include and --exclude: shop.*, shop.order_?,
// *.audit). A table is selected when it matches an include pattern (any
// table, when include is empty) and no exclude pattern. With no patterns at
// all the selection is the whole snapshot, objects included (its Files are
// Manifest.Files). An include pattern that matches no table of the snapshot
// is an *UnmatchedPatternError; an exclude pattern may match nothing. A
// malformed pattern is an error wrapping path.ErrBadPattern. The selection
// may be empty when the exclude patterns leave out every included table.
func (m *Manifest) Select(include, exclude []string) (Selection, error) {
	for _, p := range append(append([]string(nil), include...), exclude...) {
		if _, err := path.Match(p, ""); err != nil {
			return Selection{}, fmt.Errorf("table pattern %q: %w", p, err)
		}
	}
	if len(include) == 0 && len(exclude) == 0 {
		return Selection{Schemas: m.Schemas}, nil
	}
	used := make([]bool, len(include))
	var all []string
	sel := Selection{Filtered: true}
	for _, s := range m.Schemas {
		var tables []Table
		for _, t := range s.Tables {
			name := s.Name + "." + t.Name
			all = append(all, name)
			in := len(include) == 0
			for i, p := range include {
				if matchName(p, name) {
					used[i], in = true, true
				}
			}
			if in && !matchAny(exclude, name) {
				tables = append(tables, t)
			}
		}
		// A database without tables is kept unless include patterns ask
		// for particular tables: nothing excluded it.
		if len(tables) > 0 || (len(s.Tables) == 0 && len(include) == 0) {
			sel.Schemas = append(sel.Schemas, Schema{Name: s.Name, Create: s.Create, Tables: tables})
		}
	}
	for i, ok := range used {
		if !ok {
			return Selection{}, &UnmatchedPatternError{Pattern: include[i], Snapshot: m.ID, Tables: all}
		}
	}
	return sel, nil
}

// Files lists the selected objects in the order a load must apply them:
// each database's CREATE DATABASE, then each selected table's CREATE TABLE
// and chunks, then the database's objects when they are kept.
func (s Selection) Files() []File { return schemaFiles(s.Schemas) }

// Rows is the number of rows the selected tables hold.
func (s Selection) Rows() int64 {
	var n int64
	for _, sc := range s.Schemas {
		for _, t := range sc.Tables {
			n += t.Rows
		}
	}
	return n
}

// Bytes is the stored size of the selected objects, what a load reads.
func (s Selection) Bytes() int64 {
	var n int64
	for _, f := range s.Files() {
		n += f.Bytes
	}
	return n
}

// matchName reports whether the db.table name matches pattern; a malformed
// pattern (refused by Select before) matches nothing.
func matchName(pattern, name string) bool {
	ok, _ := path.Match(pattern, name)
	return ok
}

func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if matchName(p, name) {
			return true
		}
	}
	return false
}

// listNames lists up to n names, saying how many more there are.
func listNames(names []string, n int) string {
	if len(names) == 0 {
		return "no tables"
	}
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(" and %d more", len(names)-n)
}
