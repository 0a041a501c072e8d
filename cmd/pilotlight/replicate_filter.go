package main

import (
	"context"
	"path"

	"github.com/pilotlight-dr/pilotlight/binlog"
)

// includeFilter passes only the row changes of tables matching one of patterns
// (shell-style on db.table) and the statements whose default database matches
// one of them as db.*; every transaction still reaches the applier (perhaps
// empty), so its GTID is checkpointed in source order. No patterns: everything.
type includeFilter struct {
	src      binlog.EventSource
	patterns []string
}

// Next implements binlog.EventSource.
func (f includeFilter) Next(ctx context.Context) (binlog.Event, error) {
	for {
		e, err := f.src.Next(ctx)
		if err != nil || len(f.patterns) == 0 {
			return e, err
		}
		switch e := e.(type) {
		case binlog.Rows:
			if f.match(e.Schema + "." + e.Table) {
				return e, nil
			}
		case binlog.Query:
			if e.Schema != "" && f.match(e.Schema+".*") {
				return e, nil
			}
		default:
			return e, nil
		}
	}
}

func (f includeFilter) match(name string) bool {
	for _, p := range f.patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// checkIncludes refuses malformed patterns.
func checkIncludes(patterns []string) error {
	for _, p := range patterns {
		if _, err := path.Match(p, "x.y"); err != nil {
			return usagef("--include %q: %v", p, err)
		}
	}
	return nil
}
