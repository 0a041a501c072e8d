package binlog

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"strings"

	"github.com/shopspring/decimal"
)

// keyer computes the conflict keys of row images: one 64-bit hash per unique key of
// the standby table whose columns are all non-NULL in the image (PITFALLS: every
// unique key, not just the primary key, or a unique-value swap between two
// transactions would run concurrently), or one key for the whole table when it has
// no unique key. Two transactions whose keys intersect are applied in source order.
//
// Keys only decide what may run concurrently; they are never trusted for
// correctness. A conflict they miss (a collation that folds more than lower-casing
// and trailing-space trimming, a hash collision is the safe direction) shows up as a
// lock wait, deadlock or failed row check on the standby, and the batch is then
// retried one transaction at a time.
type keyer struct{ seed maphash.Seed }

func newKeyer() keyer { return keyer{seed: maphash.MakeSeed()} }

// tableKey is the key of a whole table (tables without a unique key).
func (k keyer) tableKey(t *standbyTable) uint64 {
	var h maphash.Hash
	h.SetSeed(k.seed)
	h.WriteString(t.name)
	h.WriteByte(0)
	return h.Sum64()
}

// rowKeys appends the keys of one row image; pos maps standby column positions to
// row image positions (-1 when the image lacks the column).
func (k keyer) rowKeys(dst []uint64, t *standbyTable, pos []int, row []any) []uint64 {
	if len(t.uniques) == 0 {
		return append(dst, k.tableKey(t))
	}
	var h maphash.Hash
next:
	for _, u := range t.uniques {
		h.SetSeed(k.seed)
		h.WriteString(t.name)
		h.WriteByte(0)
		h.WriteString(u.name)
		for _, c := range u.columns {
			i := pos[c]
			if i < 0 || i >= len(row) || row[i] == nil {
				continue next // NULLs never collide in a unique index
			}
			writeKeyValue(&h, t.columns[c], row[i])
		}
		dst = append(dst, h.Sum64())
	}
	return dst
}

// writeKeyValue hashes one value with a type tag and length, folding character
// values the way most collations compare them (case, trailing spaces).
func writeKeyValue(h *maphash.Hash, c standbyColumn, v any) {
	if i, ok := signedInt(v); ok {
		writeKeyInt(h, i)
		return
	}
	var n [8]byte
	switch x := v.(type) {
	case string:
		writeKeyText(h, c, x)
		return
	case []byte:
		writeKeyText(h, c, string(x))
		return
	case decimal.Decimal:
		h.WriteByte('d')
		h.WriteString(x.String())
		return
	case float32:
		h.WriteByte('f')
		binary.LittleEndian.PutUint64(n[:], math.Float64bits(float64(x)))
	case float64:
		h.WriteByte('f')
		binary.LittleEndian.PutUint64(n[:], math.Float64bits(x))
	case uint64:
		h.WriteByte('u')
		binary.LittleEndian.PutUint64(n[:], x)
	default:
		h.WriteByte('?')
		h.WriteString(fmt.Sprint(x))
		h.WriteByte(0)
		return
	}
	h.Write(n[:])
}

func writeKeyInt(h *maphash.Hash, x int64) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(x))
	h.WriteByte('i')
	h.Write(n[:])
}

func writeKeyText(h *maphash.Hash, c standbyColumn, s string) {
	if c.charset != "" && !strings.EqualFold(c.charset, "binary") && !strings.HasSuffix(strings.ToLower(c.collation), "_bin") {
		s = strings.ToLower(strings.TrimRight(s, " "))
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
	h.WriteByte('s')
	h.Write(n[:])
	h.WriteString(s)
}

// signedInt widens go-mysql's integer types, but uint64, to int64.
func signedInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	}
	return 0, false
}
