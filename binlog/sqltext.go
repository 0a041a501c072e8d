package binlog

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// appendLiteral appends v, a value as driverArg normalised it, as SQL text for the
// standby column c. The text means exactly the bytes or number the source held, so
// that row changes can travel many to a round trip as plain statements:
//
//   - integers: decimal digits (uint64 for unsigned, BIT and SET bitmasks);
//   - float64: shortest round-trip digits in exponent form ("1.5e+00"), which makes
//     the server parse a DOUBLE literal with a correctly rounded strtod, never a
//     DECIMAL; a FLOAT column's value is an exact widening of its float32, which the
//     server narrows back to the same float32;
//   - DECIMAL: its digits, unquoted (checked to be digits);
//   - dates and times: quoted (checked to hold only date and time characters);
//   - character columns: the bytes in hex with the column's character set as
//     introducer (_latin1 X'e9'): no conversion, whatever the connection charset;
//   - everything else (BINARY, VARBINARY, BLOB, GEOMETRY): X'hex', the exact bytes.
func appendLiteral(b []byte, c standbyColumn, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "NULL"...), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%w: column %s: %v cannot be stored", ErrUnsupportedValue, c.name, x)
		}
		return strconv.AppendFloat(b, x, 'e', -1, 64), nil
	case string:
		return appendText(b, c, x)
	case []byte:
		return appendText(b, c, string(x))
	}
	return nil, fmt.Errorf("%w: column %s: Go %T", ErrUnsupportedValue, c.name, v)
}

// appendText renders a string or byte value for column c (see appendLiteral).
func appendText(b []byte, c standbyColumn, s string) ([]byte, error) {
	switch c.dataType {
	case "decimal", "numeric":
		if !isDecimalText(s) {
			return nil, fmt.Errorf("%w: column %s: decimal %q", ErrUnsupportedValue, c.name, s)
		}
		return append(b, s...), nil
	case "date", "time", "datetime", "timestamp", "year":
		if !isTemporalText(s) {
			return nil, fmt.Errorf("%w: column %s: temporal %q", ErrUnsupportedValue, c.name, s)
		}
		b = append(b, '\'')
		b = append(b, s...)
		return append(b, '\''), nil
	}
	if cs := textCharset(c); cs != "" {
		b = append(b, '_')
		b = append(b, cs...)
		b = append(b, ' ')
	}
	return appendHex(b, s), nil
}

// textCharset is the introducer for a character column's bytes, "" for binary ones.
// MySQL 8 JSON columns have no character set but take utf8mb4 text.
func textCharset(c standbyColumn) string {
	cs := strings.ToLower(c.charset)
	switch {
	case cs == "binary":
		return ""
	case cs != "" && isIdentWord(cs):
		return cs
	case c.dataType == "json":
		return "utf8mb4"
	}
	return ""
}

func appendHex(b []byte, s string) []byte {
	b = append(b, "X'"...)
	n := len(b)
	b = append(b, make([]byte, hex.EncodedLen(len(s)))...)
	hex.Encode(b[n:], []byte(s))
	return append(b, '\'')
}

// isDecimalText accepts [-]digits[.digits].
func isDecimalText(s string) bool {
	s = strings.TrimPrefix(s, "-")
	intPart, frac, dot := strings.Cut(s, ".")
	return allDigits(intPart) && (!dot || allDigits(frac))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isTemporalText accepts what go-mysql renders for DATE, TIME, DATETIME, TIMESTAMP
// and YEAR: digits and - : . space (TIME may be negative).
func isTemporalText(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch >= '0' && ch <= '9', ch == '-', ch == ':', ch == '.', ch == ' ':
		default:
			return false
		}
	}
	return true
}

// isIdentWord reports whether s is a plain [a-z0-9_] word (a character set name).
func isIdentWord(s string) bool {
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9', ch == '_':
		default:
			return false
		}
	}
	return s != ""
}

// quoteString quotes an ASCII identifier-like value (stream ids, GTID sets, times)
// for the pilotlight statements; anything else goes as hex.
func quoteString(s string) string {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x20 || ch > 0x7e || ch == '\'' || ch == '\\' {
			return string(appendHex(nil, s))
		}
	}
	return "'" + s + "'"
}
