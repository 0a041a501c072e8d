package snapshot

import (
	"errors"
	"fmt"
	"path"
	"reflect"
	"strings"
	"testing"
)

// selectManifest is a hand-built manifest: shop with three tables (orders in
// two chunks) and objects, crm with one table, empty with no table.
func selectManifest() *Manifest {
	f := func(key string) File { return File{Key: key, Bytes: 10} }
	table := func(db, name string, chunks int) Table {
		t := Table{Name: name, Create: f(db + "/" + name + "/@schema.sql.zst")}
		for i := 1; i <= chunks; i++ {
			c := Chunk{File: f(fmt.Sprintf("%s/%s/%06d.sql.zst", db, name, i)), Rows: 100}
			t.Chunks = append(t.Chunks, c)
			t.Rows += c.Rows
		}
		return t
	}
	objects := f("shop/@objects.sql.zst")
	return &Manifest{ID: "20261201T104128Z-3f9a1c2e", Schemas: []Schema{
		{Name: "crm", Create: f("crm/@schema.sql.zst"), Tables: []Table{table("crm", "leads", 1)}},
		{Name: "empty", Create: f("empty/@schema.sql.zst")},
		{Name: "shop", Create: f("shop/@schema.sql.zst"), Objects: &objects, Tables: []Table{
			table("shop", "audit", 1), table("shop", "customers", 1), table("shop", "orders", 2),
		}},
	}}
}

func keys(files []File) string {
	var out []string
	for _, f := range files {
		out = append(out, f.Key)
	}
	return strings.Join(out, " ")
}

// tableNames lists a selection's tables as db.table.
func tableNames(s Selection) string {
	var out []string
	for _, sc := range s.Schemas {
		for _, t := range sc.Tables {
			out = append(out, sc.Name+"."+t.Name)
		}
	}
	return strings.Join(out, " ")
}

func TestSelectAll(t *testing.T) {
	m := selectManifest()
	s, err := m.Select(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Filtered {
		t.Error("a selection without patterns is filtered")
	}
	if !reflect.DeepEqual(s.Files(), m.Files()) {
		t.Errorf("files:\n%s\nwant the manifest's:\n%s", keys(s.Files()), keys(m.Files()))
	}
	if got := s.Rows(); got != 500 {
		t.Errorf("rows: %d, want 500", got)
	}
	if got := s.Bytes(); got != 10*int64(len(m.Files())) {
		t.Errorf("bytes: %d, want %d", got, 10*len(m.Files()))
	}
}

func TestSelect(t *testing.T) {
	for _, tc := range []struct {
		include, exclude []string
		tables           string // selected, as db.table
		files            string // in load order
	}{
		{include: []string{"shop.orders", "crm.*"}, tables: "crm.leads shop.orders",
			files: "crm/@schema.sql.zst crm/leads/@schema.sql.zst crm/leads/000001.sql.zst " +
				"shop/@schema.sql.zst shop/orders/@schema.sql.zst shop/orders/000001.sql.zst shop/orders/000002.sql.zst"},
		{include: []string{"*.*"}, tables: "crm.leads shop.audit shop.customers shop.orders"},
		{include: []string{"shop.*", "shop.orders"}, tables: "shop.audit shop.customers shop.orders"}, // overlapping patterns pick a table once
		{include: []string{"shop.[ac]*"}, tables: "shop.audit shop.customers"},
		{include: []string{"shop.*"}, exclude: []string{"*.audit"}, tables: "shop.customers shop.orders"},
		{exclude: []string{"shop.*"}, tables: "crm.leads",
			files: "crm/@schema.sql.zst crm/leads/@schema.sql.zst crm/leads/000001.sql.zst empty/@schema.sql.zst"},
		{exclude: []string{"shop.audit", "nope.*"}, tables: "crm.leads shop.customers shop.orders"},
		{include: []string{"crm.leads"}, exclude: []string{"crm.*"}, tables: "", files: ""},
	} {
		name := fmt.Sprintf("include %v exclude %v", tc.include, tc.exclude)
		s, err := selectManifest().Select(tc.include, tc.exclude)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !s.Filtered {
			t.Errorf("%s: not filtered", name)
		}
		if got := tableNames(s); got != tc.tables {
			t.Errorf("%s: tables %q, want %q", name, got, tc.tables)
		}
		if tc.files != "" || tc.tables == "" { // files are not spelt out for every case
			if got := keys(s.Files()); got != tc.files {
				t.Errorf("%s: files\n%s\nwant\n%s", name, got, tc.files)
			}
		}
		for _, sc := range s.Schemas {
			if sc.Objects != nil {
				t.Errorf("%s: schema %s keeps its objects", name, sc.Name)
			}
		}
	}
}

// TestSelectTables checks the structured view a parallel restore reads: the
// selected tables with their CREATE TABLE, chunks and rows.
func TestSelectTables(t *testing.T) {
	m := selectManifest()
	s, err := m.Select([]string{"shop.orders"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Schemas) != 1 || s.Schemas[0].Name != "shop" || s.Schemas[0].Create != m.Schemas[2].Create {
		t.Fatalf("schemas: %+v", s.Schemas)
	}
	if got, want := s.Schemas[0].Tables, m.Schemas[2].Tables[2:]; !reflect.DeepEqual(got, want) {
		t.Errorf("tables: %+v, want %+v", got, want)
	}
	if got := s.Rows(); got != 200 {
		t.Errorf("rows: %d, want 200", got)
	}
	if got := s.Bytes(); got != 40 {
		t.Errorf("bytes: %d, want 40 (CREATE DATABASE, CREATE TABLE, two chunks)", got)
	}
}

func TestSelectUnmatched(t *testing.T) {
	m := selectManifest()
	_, err := m.Select([]string{"crm.*", "shop.nope"}, []string{"crm.*"})
	var u *UnmatchedPatternError
	if !errors.As(err, &u) {
		t.Fatalf("err %v, want an UnmatchedPatternError", err)
	}
	if u.Pattern != "shop.nope" {
		t.Errorf("pattern %q, want shop.nope", u.Pattern)
	}
	want := `"shop.nope" matches no table of snapshot 20261201T104128Z-3f9a1c2e; it has crm.leads, shop.audit, shop.customers, shop.orders`
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant\n%s", err, want)
	}

	// An exclude pattern may match nothing; a snapshot without tables says so.
	if _, err := (&Manifest{ID: "x"}).Select(nil, []string{"a.b"}); err != nil {
		t.Errorf("exclude matching nothing: %v", err)
	}
	_, err = (&Manifest{ID: "x"}).Select([]string{"a.b"}, nil)
	if err == nil || !strings.HasSuffix(err.Error(), "it has no tables") {
		t.Errorf("empty snapshot: %v", err)
	}
}

func TestSelectBadPattern(t *testing.T) {
	for _, tc := range [][2][]string{{{"shop.[a"}, nil}, {nil, {`shop.\`}}} {
		_, err := selectManifest().Select(tc[0], tc[1])
		if !errors.Is(err, path.ErrBadPattern) {
			t.Errorf("include %q exclude %q: %v, want path.ErrBadPattern", tc[0], tc[1], err)
		}
	}
}

func TestListNames(t *testing.T) {
	names := []string{"a.1", "a.2", "a.3", "a.4"}
	for n, want := range map[int]string{4: "a.1, a.2, a.3, a.4", 8: "a.1, a.2, a.3, a.4", 2: "a.1, a.2 and 2 more"} {
		if got := listNames(names, n); got != want {
			t.Errorf("listNames(%d) = %q, want %q", n, got, want)
		}
	}
	if got := listNames(nil, 8); got != "no tables" {
		t.Errorf("listNames(nil) = %q", got)
	}
}
