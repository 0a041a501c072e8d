package binlog

import (
	"strings"

	"github.com/pilotlight-dr/pilotlight/binlog/statement"
)

// Scope is what a statement the source logged as text belongs to, for table
// filters (--include/--exclude).
type Scope struct {
	// Schema is the database the statement changes: the one it names, else its
	// default database ("" when it has neither).
	Schema string
	// Table is the table or view it changes when it names one (CREATE/ALTER/
	// DROP/TRUNCATE/RENAME TABLE, a view, a trigger's table, a statement-based
	// row change); "" means the statement belongs to the whole database
	// (CREATE/DROP DATABASE, routines, events).
	Table string
	// Global is set for account statements, which belong to no database.
	Global bool
}

// StatementScope says what q belongs to.
func StatementScope(q Query) Scope {
	st := statement.Classify(q.SQL)
	in := func(schema string) string {
		if schema != "" {
			return schema
		}
		return q.Schema
	}
	switch st.Kind {
	case statement.Account:
		return Scope{Global: true}
	case statement.Database:
		return Scope{Schema: in(st.Name)}
	case statement.DML:
		return Scope{Schema: in(st.Schema), Table: st.Name}
	case statement.Trigger:
		if h, ok := statement.ParseTrigger(q.SQL); ok {
			return Scope{Schema: in(h.Schema), Table: h.Table}
		}
	}
	object := st.Verb[strings.LastIndexByte(st.Verb, ' ')+1:]
	switch object {
	case "TABLE", "TABLES", "VIEW", "TRUNCATE":
		return Scope{Schema: in(st.Schema), Table: st.Name}
	}
	return Scope{Schema: in(st.Schema)}
}
