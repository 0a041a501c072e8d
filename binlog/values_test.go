package binlog

import (
	"math"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/shopspring/decimal"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

func TestBinaryLength(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		meta uint16
		want int
	}{{0xfe04, 4}, {0xfe08, 8}, {0xfeff, 255}, {0xee00, 256}, {0xeeff, 511}, {0xde00, 512}, {0xdefe, 766}, {0xcefe, 1022}} {
		if got := binaryLength(c.meta); got != c.want {
			t.Errorf("binaryLength(%#04x) = %d, want %d", c.meta, got, c.want)
		}
	}
}

func TestDriverArg(t *testing.T) {
	t.Parallel()
	bin8 := ColumnMeta{Type: mysql.MYSQL_TYPE_STRING, Meta: 0xfe08, Collation: binaryCollation}
	cases := []struct {
		name   string
		col    ColumnMeta
		binary bool
		in     any
		want   any
	}{
		{"null", ColumnMeta{Type: mysql.MYSQL_TYPE_LONG}, false, nil, nil},
		{"decimal", ColumnMeta{Type: mysql.MYSQL_TYPE_NEWDECIMAL}, false,
			decimal.RequireFromString("-12345678901234567890.0123456789"), "-12345678901234567890.0123456789"},
		{"binary pad", bin8, true, "ab", "ab\x00\x00\x00\x00\x00\x00"},
		{"binary full", bin8, true, "abcdefgh", "abcdefgh"},
		{"varbinary exact", ColumnMeta{Type: mysql.MYSQL_TYPE_VARCHAR}, false, "\x00a\x00", "\x00a\x00"},
		{"blob", ColumnMeta{Type: mysql.MYSQL_TYPE_BLOB}, false, []byte{0, 0xff, 0}, []byte{0, 0xff, 0}},
		{"u64 max", ColumnMeta{Type: mysql.MYSQL_TYPE_LONGLONG, Unsigned: true}, false, uint64(math.MaxUint64), uint64(math.MaxUint64)},
		{"u64 as int64", ColumnMeta{Type: mysql.MYSQL_TYPE_LONGLONG, Unsigned: true}, false, int64(-1), uint64(math.MaxUint64)},
		{"tinyint", ColumnMeta{Type: mysql.MYSQL_TYPE_TINY}, false, int8(-128), int64(-128)},
		{"tinyint unsigned signed-decoded", ColumnMeta{Type: mysql.MYSQL_TYPE_TINY, Unsigned: true}, false, int8(-1), uint64(255)},
		{"mediumint unsigned", ColumnMeta{Type: mysql.MYSQL_TYPE_INT24, Unsigned: true}, false, int32(-1), uint64(0xffffff)},
		{"uint8", ColumnMeta{Type: mysql.MYSQL_TYPE_TINY, Unsigned: true}, false, uint8(255), uint64(255)},
		{"float32 exact", ColumnMeta{Type: mysql.MYSQL_TYPE_FLOAT}, false, float32(0.1), float64(float32(0.1))},
		{"double", ColumnMeta{Type: mysql.MYSQL_TYPE_DOUBLE}, false, 0.1, 0.1},
		{"bit", ColumnMeta{Type: mysql.MYSQL_TYPE_BIT}, false, int64(-1), uint64(math.MaxUint64)},
		{"set", ColumnMeta{Type: mysql.MYSQL_TYPE_SET}, false, int64(5), uint64(5)},
		{"enum", ColumnMeta{Type: mysql.MYSQL_TYPE_ENUM}, false, int64(2), int64(2)},
		{"datetime", ColumnMeta{Type: mysql.MYSQL_TYPE_DATETIME2}, false, "2024-02-29 12:34:56.123456", "2024-02-29 12:34:56.123456"},
	}
	for _, c := range cases {
		got, err := driverArg(c.col, c.binary, c.in)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if b, ok := c.want.([]byte); ok {
			if g, ok := got.([]byte); !ok || string(g) != string(b) {
				t.Errorf("%s: got %T %#v, want %#v", c.name, got, got, c.want)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%s: got %T %#v, want %T %#v", c.name, got, got, c.want, c.want)
		}
	}
	if _, err := driverArg(ColumnMeta{Name: "x"}, false, struct{}{}); err == nil {
		t.Error("unknown Go type accepted")
	}
}

func TestIsBinaryString(t *testing.T) {
	t.Parallel()
	s := ColumnMeta{Type: mysql.MYSQL_TYPE_STRING, Meta: 0xfe04}
	if isBinaryString(s, "char") || !isBinaryString(s, "binary") {
		t.Error("fallback to the standby's DATA_TYPE")
	}
	s.Collation = 45
	if isBinaryString(s, "binary") {
		t.Error("a utf8mb4 CHAR column is not BINARY")
	}
	s.Collation = binaryCollation
	if !isBinaryString(s, "") {
		t.Error("collation 63 is BINARY")
	}
}

func TestAddGTID(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		flavor          mysqlx.Flavor
		applied, g, out string
	}{
		{mysqlx.MariaDB, "", "0-1-1", "0-1-1"},
		{mysqlx.MariaDB, "0-1-5,1-2-7", "0-3-6", "0-3-6,1-2-7"},
		{mysqlx.MariaDB, "0-1-5", "2-1-1", "0-1-5,2-1-1"},
		{mysqlx.MySQL, "", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1"},
		{mysqlx.MySQL, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-4", "3e11fa47-71ca-11e1-9e33-c80aa9429562:5",
			"3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"},
	} {
		applied := mustGTIDs(t, c.flavor, c.applied)
		got, err := addGTID(c.flavor, applied, c.g)
		if err != nil {
			t.Errorf("%s + %s: %v", c.applied, c.g, err)
			continue
		}
		if want := mustGTIDs(t, c.flavor, c.out); !got.Equal(want) {
			t.Errorf("%s + %s = %s, want %s", c.applied, c.g, got, want)
		}
		one, err := singleGTID(c.flavor, c.g)
		if err != nil || !got.Contains(one) {
			t.Errorf("%s does not contain %s (%v)", got, c.g, err)
		}
	}
}
