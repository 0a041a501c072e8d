package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/binlog"
)

func mustFilter(t *testing.T, include, exclude []string) tableFilter {
	t.Helper()
	f, err := newTableFilter(include, exclude)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestTableFilterMatch(t *testing.T) {
	cases := []struct {
		name             string
		include, exclude []string
		yes, no          []string // schema.table
	}{
		{name: "no patterns", yes: []string{"shop.orders", "crm.t", "a.b.c"}},
		{name: "include a database", include: []string{"shop.*"},
			yes: []string{"shop.orders", "shop.tmp_x"}, no: []string{"crm.orders", "shopping.orders", "Shop.orders"}},
		{name: "exclude only", exclude: []string{"*.tmp_*", "audit.*"},
			yes: []string{"shop.orders", "crm.tmp"}, no: []string{"shop.tmp_1", "crm.tmp_", "audit.log"}},
		{name: "exclude wins", include: []string{"shop.*", "crm.customer_?"}, exclude: []string{"shop.tmp_*", "crm.*"},
			yes: []string{"shop.orders"}, no: []string{"shop.tmp_1", "crm.customer_1", "crm.orders", "other.t"}},
		{name: "classes", include: []string{"shop.order_[0-9]"},
			yes: []string{"shop.order_7"}, no: []string{"shop.order_x", "shop.order_10"}},
		{name: "pilotlight always", include: []string{"shop.*"}, exclude: []string{"*", "pilotlight.*"},
			yes: []string{"pilotlight.heartbeat", "pilotlight.checkpoint"}, no: []string{"shop.orders"}},
	}
	for _, c := range cases {
		f := mustFilter(t, c.include, c.exclude)
		for want, names := range map[bool][]string{true: c.yes, false: c.no} {
			for _, n := range names {
				schema, table, _ := strings.Cut(n, ".")
				if got := f.Match(schema, table); got != want {
					t.Errorf("%s: Match(%q, %q) = %v, want %v", c.name, schema, table, got, want)
				}
			}
		}
	}
}

func TestTableFilterMatchStatement(t *testing.T) {
	for _, c := range []struct {
		include, exclude []string
		schema, sql      string
		want             bool
	}{
		{nil, nil, "", "CREATE TABLE t (a INT)", true},
		{nil, nil, "shop", "CREATE TABLE t (a INT)", true},
		{[]string{"shop.*"}, nil, "shop", "CREATE TABLE t (a INT)", true},
		{[]string{"shop.*"}, nil, "", "CREATE TABLE t (a INT)", false}, // no database at all: not known to be shop's
		{[]string{"shop.*"}, nil, "", "CREATE TABLE shop.t (a INT)", true},
		{[]string{"shop.*"}, nil, "crm", "CREATE TABLE shop.t (a INT)", true}, // the table it names, not the session's
		{[]string{"shop.*"}, nil, "crm", "CREATE TABLE t (a INT)", false},
		{[]string{"shop.orders"}, nil, "shop", "CREATE TABLE orders (a INT)", true}, // a table follows its own pattern
		{[]string{"shop.orders"}, nil, "shop", "CREATE TABLE other (a INT)", false},
		{[]string{"shop.orders"}, nil, "shop", "CREATE DATABASE shop", true}, // its tables need the database
		{[]string{"shop.orders"}, nil, "", "CREATE PROCEDURE shop.p() SELECT 1", true},
		{[]string{"shop.*"}, nil, "crm", "CREATE DATABASE crm", false},
		{nil, []string{"shop.tmp_*"}, "shop", "ALTER DATABASE shop CHARACTER SET utf8mb4", true}, // some tables only
		{nil, []string{"shop.tmp_*"}, "shop", "ALTER TABLE tmp_1 ADD c INT", false},
		{nil, []string{"shop.*"}, "shop", "DROP DATABASE shop", false},
		{nil, []string{"shop.*"}, "", "CREATE TABLE x.t (a INT)", true},
		{[]string{"shop.*"}, []string{"*.*"}, "pilotlight", "CREATE TABLE IF NOT EXISTS heartbeat (id INT)", true}, // never filtered
		{[]string{"shop.*"}, nil, "", "CREATE USER app@'%'", true},                                                 // account statements follow no database
		{[]string{"shop.*"}, nil, "crm", "GRANT SELECT ON crm.* TO app", true},
		{[]string{"shop.*"}, nil, "crm", "INSERT INTO shop.t VALUES (1)", true},
		{[]string{"shop.*"}, nil, "shop", "INSERT INTO crm.t VALUES (1)", false},
		{[]string{"shop.*"}, nil, "", "CREATE DEFINER=`r`@`%` TRIGGER shop.trg BEFORE INSERT ON t FOR EACH ROW SET @a = 1", true},
	} {
		f := mustFilter(t, c.include, c.exclude)
		if got := f.MatchStatement(binlog.StatementScope(binlog.Query{Schema: c.schema, SQL: c.sql})); got != c.want {
			t.Errorf("include %v exclude %v: %q in %q: %v, want %v", c.include, c.exclude, c.sql, c.schema, got, c.want)
		}
	}
}

func TestNewTableFilterRefusesBadPatterns(t *testing.T) {
	for _, c := range []struct {
		include, exclude []string
		want             string
	}{
		{[]string{"shop.*", "shop.[a-"}, nil, `--include "shop.[a-" is not a valid shell-style pattern`},
		{nil, []string{"shop"}, `--exclude "shop" can never match: patterns are db.table; for every table of database shop write shop.*`},
		{nil, []string{""}, `--exclude "" is empty`},
	} {
		_, err := newTableFilter(c.include, c.exclude)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("newTableFilter(%q, %q) = %v, want a usage error containing %q", c.include, c.exclude, err, c.want)
		}
	}
}

// sliceSource replays events, then io.EOF.
type sliceSource struct{ events []binlog.Event }

func (s *sliceSource) Next(context.Context) (binlog.Event, error) {
	if len(s.events) == 0 {
		return nil, io.EOF
	}
	e := s.events[0]
	s.events = s.events[1:]
	return e, nil
}

// drain reads src to io.EOF and describes each event in one word.
func drain(t *testing.T, src binlog.EventSource) string {
	t.Helper()
	var out []string
	for {
		e, err := src.Next(t.Context())
		if errors.Is(err, io.EOF) {
			return strings.Join(out, " ")
		}
		if err != nil {
			t.Fatal(err)
		}
		switch e := e.(type) {
		case binlog.Begin:
			out = append(out, "begin")
		case binlog.Commit:
			out = append(out, "commit")
		case binlog.Heartbeat:
			out = append(out, "heartbeat")
		case binlog.Rollback:
			out = append(out, "rollback")
		case binlog.Rows:
			out = append(out, e.Schema+"."+e.Table)
		case binlog.Query:
			out = append(out, fmt.Sprintf("query(%s)", e.Schema))
		}
	}
}

func filterEvents() []binlog.Event {
	return []binlog.Event{
		binlog.Begin{GTID: "0-1-1"},
		binlog.Rows{Schema: "shop", Table: "orders", Kind: binlog.Insert},
		binlog.Rows{Schema: "shop", Table: "tmp_x", Kind: binlog.Insert},
		binlog.Rows{Schema: "crm", Table: "customer", Kind: binlog.Update},
		binlog.Rows{Schema: "pilotlight", Table: "heartbeat", Kind: binlog.Update},
		binlog.Commit{GTID: "0-1-1"},
		binlog.Heartbeat{},
		binlog.Begin{GTID: "0-1-2"},
		binlog.Query{Schema: "crm", SQL: "ALTER TABLE customer ADD c INT"},
		binlog.Rollback{GTID: "0-1-2"},
		binlog.Begin{GTID: "0-1-2"},
		binlog.Query{Schema: "shop", SQL: "CREATE TABLE t (id INT)"},
		binlog.Query{Schema: "", SQL: "CREATE TABLE x.t (id INT)"},
		binlog.Query{Schema: "pilotlight", SQL: "CREATE TABLE IF NOT EXISTS `heartbeat` (id INT)"},
		binlog.Commit{GTID: "0-1-2"},
	}
}

func TestEventFilter(t *testing.T) {
	frame := func(first, second string) string {
		return "begin " + first + " commit heartbeat begin " + second + " rollback begin "
	}
	for _, c := range []struct {
		include, exclude []string
		want             string
	}{
		{nil, nil, frame("shop.orders shop.tmp_x crm.customer pilotlight.heartbeat", "query(crm)") +
			"query(shop) query() query(pilotlight) commit"},
		{[]string{"shop.*"}, []string{"shop.tmp_*"}, frame("shop.orders pilotlight.heartbeat", "") +
			"query(shop) query(pilotlight) commit"},
		{nil, []string{"shop.*"}, frame("crm.customer pilotlight.heartbeat", "query(crm)") +
			"query() query(pilotlight) commit"},
		{[]string{"nothing.*"}, nil, frame("pilotlight.heartbeat", "") + "query(pilotlight) commit"},
	} {
		src := newEventFilter(&sliceSource{events: filterEvents()}, mustFilter(t, c.include, c.exclude))
		if got := strings.Join(strings.Fields(drain(t, src)), " "); got != strings.Join(strings.Fields(c.want), " ") {
			t.Errorf("include %v exclude %v:\n got %s\nwant %s", c.include, c.exclude, got, c.want)
		}
	}
	// No patterns: the source itself, nothing in between.
	src := &sliceSource{}
	if got := newEventFilter(src, tableFilter{}); got != binlog.EventSource(src) {
		t.Errorf("newEventFilter without patterns = %T, want the source", got)
	}
}

func TestTableFilterSchemas(t *testing.T) {
	for _, c := range []struct {
		include []string
		want    string
	}{
		{nil, ""},
		{[]string{"shop.*", "shop.orders", "crm.t"}, "shop,crm"},
		{[]string{"shop.*", "*.orders"}, ""},
		{[]string{"sh?p.*"}, ""},
	} {
		f, err := newTableFilter(c.include, []string{"shop.tmp_*"})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(f.Schemas(), ","); got != c.want {
			t.Errorf("Schemas of %q = %q, want %q (empty: grants checked on *.*)", c.include, got, c.want)
		}
	}
}
