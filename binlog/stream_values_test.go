package binlog

import (
	"fmt"
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

// TestStreamValues records the Go values go-mysql decodes for awkward types and checks
// the few that must already be exact. Full fidelity is the applier's concern.
func TestStreamValues(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	db, conn, schema := stSource(t, ctx)
	cols := []struct{ name, def, value string }{
		{"d", "DECIMAL(20,6)", "'12345.678900'"},
		{"dneg", "DECIMAL(10,2)", "'-0.50'"},
		{"b4", "BINARY(4)", "X'61620000'"},
		{"vb", "VARBINARY(8)", "X'00610000'"},
		{"u64", "BIGINT UNSIGNED", "18446744073709551615"},
		{"i8", "TINYINT", "-128"},
		{"u8", "TINYINT UNSIGNED", "255"},
		{"dt6", "DATETIME(6)", "'2024-02-29 12:34:56.123456'"},
		{"ts6", "TIMESTAMP(6) NULL", "'2024-02-29 12:34:56.000001'"},
		{"dt0", "DATE", "'2024-02-29'"},
		{"f", "FLOAT", "0.1"},
		{"dbl", "DOUBLE", "0.1"},
		{"bit10", "BIT(10)", "b'1000000001'"},
		{"e", "ENUM('x','y')", "'y'"},
		{"st", "SET('p','q','r')", "'p,r'"},
		{"js", "JSON", `'{"a": 1.0, "b": [1, "x"]}'`},
		{"txt", "VARCHAR(10) CHARACTER SET utf8mb4", "'héllo😀'"},
		{"bl", "BLOB", "X'00FF00'"},
		{"nul", "INT NULL", "NULL"},
	}
	def, names, vals := "", "", ""
	for i, c := range cols {
		sep := ""
		if i > 0 {
			sep = ", "
		}
		def += sep + c.name + " " + c.def
		names += sep + c.name
		vals += sep + c.value
	}
	pfExec(t, ctx, conn, "SET time_zone='+00:00'", "CREATE TABLE v (id INT PRIMARY KEY, "+def+")")
	s := stOpen(t, ctx, stPosition(t, ctx, db))
	pfExec(t, ctx, conn, "INSERT INTO v (id, "+names+") VALUES (1, "+vals+")")
	txns := stCollect(t, ctx, s, stLastGTID(t, ctx, conn))
	var row []any
	for _, x := range txns {
		for _, e := range x.body {
			if r, ok := e.(Rows); ok && r.Schema == schema && r.Table == "v" {
				row = r.Rows[0]
				for i, c := range r.Columns {
					t.Logf("%-6s type=%3d meta=%#04x unsigned=%-5v collation=%3d  %-36s %T %#v",
						c.Name, c.Type, c.Meta, c.Unsigned, c.Collation, "", row[i], row[i])
				}
			}
		}
	}
	if len(row) != len(cols)+1 {
		t.Fatalf("no row image with %d columns: %v", len(cols)+1, row)
	}
	get := func(name string) any {
		for i, c := range cols {
			if c.name == name {
				return row[i+1]
			}
		}
		return nil
	}
	if d, ok := get("d").(decimal.Decimal); !ok || !d.Equal(decimal.RequireFromString("12345.6789")) {
		t.Errorf("DECIMAL: %T %v, want decimal.Decimal 12345.6789", get("d"), get("d"))
	}
	if v := fmt.Sprint(get("u64")); v != fmt.Sprint(uint64(math.MaxUint64)) {
		t.Errorf("BIGINT UNSIGNED max: %T %v", get("u64"), get("u64"))
	}
	if v := fmt.Sprint(get("dt6")); v != "2024-02-29 12:34:56.123456" {
		t.Errorf("DATETIME(6): %T %v", get("dt6"), get("dt6"))
	}
	if v := get("vb"); v != "\x00a\x00\x00" {
		t.Errorf("VARBINARY: %T %q, want the exact bytes as a string", v, v)
	}
	// go-mysql drops BINARY's trailing zero bytes (the binlog stores them stripped):
	// the applier must pad to the column length. Fail loudly if that ever changes.
	if v := get("b4"); v != "ab" {
		t.Errorf("BINARY(4) X'61620000': %T %q, go-mysql v1.16.0 gives \"ab\"", v, v)
	}
	t.Logf("DECIMAL(20,6) String()=%s", get("d"))
}
