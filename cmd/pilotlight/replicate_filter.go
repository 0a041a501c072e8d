package main

import (
	"context"
	"path"
	"strings"

	"github.com/pilotlight-dr/pilotlight/binlog"
	"github.com/pilotlight-dr/pilotlight/internal/config"
)

// tableFilter decides which tables are applied: shell-style patterns
// (path.Match) on "db.table"; a table is applied when it matches an include
// pattern (or there are none) and no exclude pattern. Exclude wins.
// The zero value applies everything. The pilotlight schema (binlog.Schema) is
// never filtered: the applier must see the primary's heartbeat rows (and drops
// the checkpoint's own writes itself).
type tableFilter struct {
	include, exclude []string
}

// newTableFilter checks the patterns (a usage error names the bad one and its
// flag) and returns the filter.
func newTableFilter(include, exclude []string) (tableFilter, error) {
	for _, list := range []struct {
		flag     string
		patterns []string
	}{{"--include", include}, {"--exclude", exclude}} {
		for _, p := range list.patterns {
			if err := config.CheckTablePattern(p); err != nil {
				return tableFilter{}, usagef("%s %q %v", list.flag, p, err)
			}
		}
	}
	return tableFilter{include: include, exclude: exclude}, nil
}

// Match reports whether the rows of schema.table are applied. The pilotlight
// schema always is.
func (f tableFilter) Match(schema, table string) bool {
	if schema == binlog.Schema {
		return true
	}
	name := schema + "." + table
	if len(f.include) > 0 && !anyMatch(f.include, name) {
		return false
	}
	return !anyMatch(f.exclude, name)
}

// MatchStatement reports whether a statement the source logged as text is
// applied (binlog.StatementScope says what it belongs to): a statement that
// names its table follows the table's patterns; one that belongs to a whole
// database (CREATE/DROP DATABASE, routines, events) is applied when some include
// pattern can match a table of that database and no exclude pattern covers all
// of it (db.*); account statements always are; a statement that names no
// database is applied only when no include pattern limits what is.
func (f tableFilter) MatchStatement(sc binlog.Scope) bool {
	switch {
	case sc.Global:
		return true
	case sc.Schema == "":
		return len(f.include) == 0
	case sc.Table != "":
		return f.Match(sc.Schema, sc.Table)
	case sc.Schema == binlog.Schema:
		return true
	}
	if len(f.include) > 0 && !anyDatabaseMatch(f.include, sc.Schema, false) {
		return false
	}
	return !anyDatabaseMatch(f.exclude, sc.Schema, true)
}

// anyDatabaseMatch reports whether a pattern's database part matches db (and,
// with whole, its table part is "*": the pattern covers every table of db).
func anyDatabaseMatch(patterns []string, db string, whole bool) bool {
	for _, p := range patterns {
		dbPart, tablePart, ok := strings.Cut(p, ".")
		if !ok || whole && tablePart != "*" {
			continue
		}
		if m, _ := path.Match(dbPart, db); m {
			return true
		}
	}
	return false
}

// Schemas lists the databases the include patterns name, when every pattern
// names its database literally ("shop.*", "shop.orders"), so that preflight
// checks the grants on those databases only; nil means any database may be
// replicated (no include, or a pattern such as "*.orders"), and the grants are
// checked on *.*.
func (f tableFilter) Schemas() []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range f.include {
		db, _, ok := strings.Cut(p, ".")
		if !ok || db == "" || strings.ContainsAny(db, `*?[\`) {
			return nil
		}
		if !seen[db] {
			seen[db] = true
			out = append(out, db)
		}
	}
	return out
}

// all reports whether the filter passes everything.
func (f tableFilter) all() bool { return len(f.include) == 0 && len(f.exclude) == 0 }

func anyMatch(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok { // patterns were checked by newTableFilter
			return true
		}
	}
	return false
}

// eventFilter passes the Rows events of the tables f applies and the Query
// events of the databases it applies; every Begin, Commit, Rollback and
// Heartbeat still passes, so each transaction reaches the applier (perhaps
// empty) and its GTID is checkpointed in source order.
type eventFilter struct {
	src binlog.EventSource
	f   tableFilter
}

// newEventFilter wraps src with f (src itself when f passes everything).
func newEventFilter(src binlog.EventSource, f tableFilter) binlog.EventSource {
	if f.all() {
		return src
	}
	return eventFilter{src: src, f: f}
}

// Next implements binlog.EventSource.
func (e eventFilter) Next(ctx context.Context) (binlog.Event, error) {
	for {
		ev, err := e.src.Next(ctx)
		if err != nil {
			return ev, err
		}
		switch ev := ev.(type) {
		case binlog.Rows:
			if e.f.Match(ev.Schema, ev.Table) {
				return ev, nil
			}
		case binlog.Query:
			if e.f.MatchStatement(binlog.StatementScope(ev)) {
				return ev, nil
			}
		default:
			return ev, nil
		}
	}
}
