package snapshot

import (
	"encoding/hex"
)

// escapes maps the bytes that cannot appear as-is inside a quoted literal to
// their escape letter; 0 means the byte is copied. Besides ' and \, NUL, CR,
// LF and Ctrl-Z are escaped so that the stock client, which reads its input
// line by line and stops at NUL outside --binary-mode, gets every byte.
var escapes = func() (t [256]byte) {
	t[0] = '0'
	t['\n'] = 'n'
	t['\r'] = 'r'
	t[0x1a] = 'Z'
	t['\''] = '\''
	t['\\'] = '\\'
	return t
}()

// appendQuoted appends v as a quoted string literal. The chunk header sets
// NAMES binary, so the bytes reach the column exactly as they were read.
func appendQuoted(b, v []byte) []byte {
	b = append(b, '\'')
	start := 0
	for i, c := range v {
		if e := escapes[c]; e != 0 {
			b = append(b, v[start:i]...)
			b = append(b, '\\', e)
			start = i + 1
		}
	}
	b = append(b, v[start:]...)
	return append(b, '\'')
}

// appendValue appends one value read as text (nil: NULL) for a column of kind.
func appendValue(b, v []byte, kind int) []byte {
	switch {
	case v == nil:
		return append(b, "NULL"...)
	case kind == kindNumber:
		return append(b, v...)
	case kind == kindBits:
		b = append(b, "0x"...)
		n := len(b)
		b = append(b, make([]byte, hex.EncodedLen(len(v)))...)
		hex.Encode(b[n:], v)
		return b
	}
	return appendQuoted(b, v)
}
