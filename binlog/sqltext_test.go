package binlog

import (
	"errors"
	"math"
	"testing"
)

func TestAppendLiteral(t *testing.T) {
	t.Parallel()
	utf8 := standbyColumn{name: "c", dataType: "varchar", charset: "utf8mb4", collation: "utf8mb4_bin"}
	latin1 := standbyColumn{name: "c", dataType: "varchar", charset: "latin1", collation: "latin1_swedish_ci"}
	for _, c := range []struct {
		name string
		col  standbyColumn
		v    any
		want string
	}{
		{"null", utf8, nil, "NULL"},
		{"int", standbyColumn{dataType: "int"}, int64(-42), "-42"},
		{"uint64 max", standbyColumn{dataType: "bigint"}, uint64(math.MaxUint64), "18446744073709551615"},
		{"double", standbyColumn{dataType: "double"}, 0.1, "1e-01"},
		{"float widened", standbyColumn{dataType: "float"}, float64(float32(0.1)), "1.0000000149011612e-01"},
		{"tiny double", standbyColumn{dataType: "double"}, -2.2250738585072014e-308, "-2.2250738585072014e-308"},
		{"decimal", standbyColumn{dataType: "decimal"}, "-12345678901234567890.0123456789", "-12345678901234567890.0123456789"},
		{"datetime", standbyColumn{dataType: "datetime"}, "2024-02-29 12:34:56.123456", "'2024-02-29 12:34:56.123456'"},
		{"time negative", standbyColumn{dataType: "time"}, "-838:59:59", "'-838:59:59'"},
		{"utf8 text", utf8, "h'é\\", "_utf8mb4 X'6827c3a95c'"},
		{"latin1 bytes", latin1, "\xe9", "_latin1 X'e9'"},
		{"binary", standbyColumn{dataType: "binary", charset: ""}, "ab\x00\x00", "X'61620000'"},
		{"blob bytes", standbyColumn{dataType: "blob"}, []byte{0, 0xff}, "X'00ff'"},
		{"mysql json", standbyColumn{dataType: "json"}, []byte(`{"a":1}`), "_utf8mb4 X'7b2261223a317d'"},
		{"empty string", utf8, "", "_utf8mb4 X''"},
	} {
		got, err := appendLiteral(nil, c.col, c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: appendLiteral(%#v) = %s, %v; want %s", c.name, c.v, got, err, c.want)
		}
	}
	for _, c := range []struct {
		name string
		col  standbyColumn
		v    any
	}{
		{"decimal injection", standbyColumn{dataType: "decimal"}, "1; DROP TABLE t"},
		{"temporal injection", standbyColumn{dataType: "datetime"}, "2024-01-01' OR '1"},
		{"nan", standbyColumn{dataType: "double"}, math.NaN()},
		{"unknown type", utf8, struct{}{}},
	} {
		if got, err := appendLiteral(nil, c.col, c.v); !errors.Is(err, ErrUnsupportedValue) {
			t.Errorf("%s: appendLiteral = %s, %v; want ErrUnsupportedValue", c.name, got, err)
		}
	}
}

func TestQuoteString(t *testing.T) {
	t.Parallel()
	if got := quoteString("0-1-5,1-2-3"); got != "'0-1-5,1-2-3'" {
		t.Errorf("quoteString(gtids) = %s", got)
	}
	if got := quoteString("a'b"); got != "X'612762'" {
		t.Errorf("quoteString with a quote = %s, want hex", got)
	}
}

func TestKeysFoldAndSeparate(t *testing.T) {
	t.Parallel()
	k := newKeyer()
	tbl := &standbyTable{name: "`d`.`t`",
		columns: []standbyColumn{
			{name: "id", dataType: "int"},
			{name: "u", dataType: "varchar", charset: "utf8mb4", collation: "utf8mb4_general_ci"},
			{name: "b", dataType: "varbinary", charset: "binary"},
		},
		uniques: []uniqueKey{{name: "PRIMARY", columns: []int{0}}, {name: "u", columns: []int{1}}, {name: "b", columns: []int{2}}}}
	pos := []int{0, 1, 2}
	keys := func(row ...any) []uint64 { return k.rowKeys(nil, tbl, pos, row) }
	a, b := keys(int32(1), "Abc  ", "x"), keys(int32(2), "abc", "X")
	if a[1] != b[1] {
		t.Error("a case- and trailing-space-insensitive unique value must give the same key")
	}
	if a[0] == b[0] || a[2] == b[2] {
		t.Error("different primary keys, or binary values differing in case, must give different keys")
	}
	if n := len(keys(int32(3), nil, "y")); n != 2 {
		t.Errorf("a NULL in a unique key: %d keys, want 2 (NULLs never collide)", n)
	}
	noKey := &standbyTable{name: "`d`.`n`", columns: tbl.columns}
	if x, y := k.rowKeys(nil, noKey, pos, []any{int32(1)}), k.rowKeys(nil, noKey, pos, []any{int32(2)}); len(x) != 1 || x[0] != y[0] {
		t.Error("a table without a unique key has one key for every row")
	}
	if keys(int32(7), nil, nil)[0] != keys(int64(7), nil, nil)[0] {
		t.Error("the same integer decoded at another width must give the same key")
	}
}
