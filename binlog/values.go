package binlog

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/shopspring/decimal"
)

// ErrUnsupportedValue: a decoded row value whose Go type the applier cannot send
// without risking a changed value. Applying stops instead of guessing.
var ErrUnsupportedValue = errors.New("unsupported row value")

// binaryCollation is the collation id of the binary character set.
const binaryCollation = 63

// driverArg turns one value as go-mysql v1.16.0 decodes it into the argument of a
// server-side prepared statement (go-sql-driver, interpolateParams off), so that the
// standby stores exactly what the source stored. binaryCol says the column is a
// BINARY(n) one (binary character set), whose trailing zero bytes the binlog drops.
//
// The shapes, and why each is exact:
//   - nil: NULL.
//   - decimal.Decimal (UseDecimal): its String(), every digit, never a float.
//   - signed integers: int64; on unsigned columns the bits are reinterpreted at the
//     column's width and sent as uint64 (go-sql-driver sends uint64 as unsigned).
//   - float32: sent as float64(f), an exact widening, in binary; the server narrows
//     the double back to the same float. No decimal text is involved at all.
//   - float64: binary double.
//   - BIT (int64 bits), SET (int64 bitmask): uint64, so bit 63 stays a bit.
//   - ENUM (int64 index): the index as an integer, which MySQL accepts for ENUM.
//   - string (character columns, dates and times rendered by go-mysql in UTC): as is;
//     BINARY(n) is padded back to n bytes with zero bytes.
//   - []byte (BLOB, VARBINARY/TEXT as bytes, MariaDB JSON): as is.
func driverArg(col ColumnMeta, binaryCol bool, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch col.Type {
	case mysql.MYSQL_TYPE_BIT, mysql.MYSQL_TYPE_SET:
		if n, ok := v.(int64); ok {
			return uint64(n), nil
		}
	case mysql.MYSQL_TYPE_ENUM:
		if n, ok := v.(int64); ok {
			return n, nil
		}
	}
	switch x := v.(type) {
	case decimal.Decimal:
		return x.String(), nil
	case int8:
		return intArg(col, int64(x), uint64(uint8(x))), nil
	case int16:
		return intArg(col, int64(x), uint64(uint16(x))), nil
	case int32:
		u := uint64(uint32(x))
		if col.Type == mysql.MYSQL_TYPE_INT24 {
			u &= 0xffffff
		}
		return intArg(col, int64(x), u), nil
	case int64:
		return intArg(col, x, uint64(x)), nil
	case int:
		return intArg(col, int64(x), uint64(x)), nil
	case uint8:
		return uint64(x), nil
	case uint16:
		return uint64(x), nil
	case uint32:
		return uint64(x), nil
	case uint64:
		return x, nil
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	case string:
		if binaryCol {
			return padBinary(x, binaryLength(col.Meta)), nil
		}
		return x, nil
	case []byte:
		if binaryCol {
			return padBinary(string(x), binaryLength(col.Meta)), nil
		}
		return x, nil
	}
	return nil, fmt.Errorf("%w: column %q type %d: Go %T", ErrUnsupportedValue, col.Name, col.Type, v)
}

// intArg picks the signed or the width-reinterpreted unsigned form of an integer.
func intArg(col ColumnMeta, signed int64, unsigned uint64) any {
	if col.Unsigned {
		return unsigned
	}
	return signed
}

// isBinaryString reports whether a column is BINARY(n): a fixed-length STRING column
// of the binary character set, whose trailing zero bytes the binlog does not keep.
// standbyType is the standby's information_schema DATA_TYPE, used when the binlog
// carries no collation (binlog_row_metadata=MINIMAL).
func isBinaryString(col ColumnMeta, standbyType string) bool {
	if col.Type != mysql.MYSQL_TYPE_STRING {
		return false
	}
	if col.Collation != 0 {
		return col.Collation == binaryCollation
	}
	return strings.EqualFold(standbyType, "binary")
}

// binaryLength decodes the byte length of a STRING column from its table map
// metadata: the high byte holds the real type with bits 8 and 9 of the length folded
// in (XOR 0x30), the low byte the low 8 bits (0xfe04 is BINARY(4)).
func binaryLength(meta uint16) int {
	b0, b1 := int(meta>>8), int(meta&0xff)
	if b0&0x30 != 0x30 {
		return b1 | ((b0&0x30)^0x30)<<4
	}
	return b1
}

// padBinary pads s with zero bytes to n bytes (the BINARY(n) value the source holds).
func padBinary(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat("\x00", n-len(s))
}
