package mysqlx

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// sid is a MySQL GTID source: server UUID (lowercase, canonical form) and tag
// (MySQL 8.4 tagged GTIDs; "" for untagged ones).
type sid struct{ uuid, tag string }

// interval is the transaction numbers [start, stop).
type interval struct{ start, stop uint64 }

// mysqlSet maps each source to its sorted, merged, non-empty intervals.
type mysqlSet map[sid][]interval

// maxGNO is the largest transaction number MySQL allows (2^63-1).
const maxGNO = math.MaxInt64

func parseMySQLSet(s string) (mysqlSet, error) {
	set := mysqlSet{}
	list, err := members(s)
	if err != nil {
		return nil, err
	}
	for _, member := range list {
		fields := strings.Split(member, ":")
		u, err := parseUUID(fields[0])
		if err != nil {
			return nil, fmt.Errorf("member %q: %w", member, err)
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("member %q: want uuid[:tag]:interval[:interval...]", member)
		}
		key := sid{uuid: u}
		counted := false // whether the current tag has an interval yet
		for _, f := range fields[1:] {
			if f != "" && f[0] >= '0' && f[0] <= '9' {
				iv, err := parseInterval(f)
				if err != nil {
					return nil, fmt.Errorf("member %q: %w", member, err)
				}
				set[key] = append(set[key], iv)
				counted = true
				continue
			}
			if !counted && key.tag != "" {
				return nil, fmt.Errorf("member %q: tag %q has no interval", member, key.tag)
			}
			tag, err := parseTag(f)
			if err != nil {
				return nil, fmt.Errorf("member %q: %w", member, err)
			}
			key, counted = sid{uuid: u, tag: tag}, false
		}
		if !counted {
			return nil, fmt.Errorf("member %q: missing interval", member)
		}
	}
	for k, ivs := range set {
		set[k] = normalize(ivs)
	}
	return set, nil
}

func parseUUID(s string) (string, error) {
	if len(s) != 36 {
		return "", fmt.Errorf("%q is not a UUID (want 8-4-4-4-12 hex digits)", s)
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return "", fmt.Errorf("%q is not a UUID (want 8-4-4-4-12 hex digits)", s)
			}
		case (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'):
		default:
			return "", fmt.Errorf("%q is not a UUID (want 8-4-4-4-12 hex digits)", s)
		}
	}
	return strings.ToLower(s), nil
}

// parseTag accepts MySQL 8.4 tags: [a-z_][a-z0-9_]{0,31}, case-insensitive.
func parseTag(s string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	ok := len(t) >= 1 && len(t) <= 32
	for i, c := range t {
		if !(c == '_' || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9')) {
			ok = false
		}
	}
	if !ok {
		return "", fmt.Errorf("%q is neither an interval (n or n-m) nor a tag ([a-z_][a-z0-9_]{0,31})", s)
	}
	return t, nil
}

// parseInterval reads "n" or "n-m" with 1 <= n <= m <= 2^63-1.
func parseInterval(s string) (interval, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		hi = lo
	}
	a, err1 := strconv.ParseUint(lo, 10, 64)
	b, err2 := strconv.ParseUint(hi, 10, 64)
	switch {
	case err1 != nil || err2 != nil:
		return interval{}, fmt.Errorf("interval %q: want n or n-m with decimal numbers", s)
	case a == 0:
		return interval{}, fmt.Errorf("interval %q: transaction numbers start at 1", s)
	case b < a:
		return interval{}, fmt.Errorf("interval %q: end before start", s)
	case b > maxGNO:
		return interval{}, fmt.Errorf("interval %q: number above 2^63-1", s)
	}
	return interval{a, b + 1}, nil
}

// normalize sorts and merges overlapping or adjacent intervals (in place).
func normalize(ivs []interval) []interval {
	slices.SortFunc(ivs, func(a, b interval) int {
		if a.start != b.start {
			if a.start < b.start {
				return -1
			}
			return 1
		}
		return 0
	})
	out := ivs[:0]
	for _, iv := range ivs {
		if iv.stop <= iv.start {
			continue
		}
		if n := len(out); n > 0 && iv.start <= out[n-1].stop {
			out[n-1].stop = max(out[n-1].stop, iv.stop)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// subtractIntervals returns a - b; both sorted and merged.
func subtractIntervals(a, b []interval) []interval {
	var out []interval
	j := 0
	for _, iv := range a {
		cur := iv
		for j < len(b) && b[j].stop <= cur.start {
			j++
		}
		for k := j; k < len(b) && b[k].start < cur.stop; k++ {
			if b[k].start > cur.start {
				out = append(out, interval{cur.start, b[k].start})
			}
			cur.start = max(cur.start, b[k].stop)
		}
		if cur.start < cur.stop {
			out = append(out, cur)
		}
	}
	return out
}

func (s mysqlSet) subtract(o mysqlSet) mysqlSet {
	out := mysqlSet{}
	for k, ivs := range s {
		if rest := subtractIntervals(ivs, o[k]); len(rest) > 0 {
			out[k] = rest
		}
	}
	return out
}

func (s mysqlSet) count() uint64 {
	var n uint64
	for _, ivs := range s {
		for _, iv := range ivs {
			n += iv.stop - iv.start
		}
	}
	return n
}

func (s mysqlSet) equal(o mysqlSet) bool {
	nonEmpty := func(m mysqlSet) int {
		n := 0
		for _, ivs := range m {
			if len(ivs) > 0 {
				n++
			}
		}
		return n
	}
	if nonEmpty(s) != nonEmpty(o) {
		return false
	}
	for k, ivs := range s {
		if !slices.Equal(ivs, o[k]) {
			return false
		}
	}
	return true
}

// String renders uuid:1-5:7:tag:1-3,uuid2:..., UUIDs sorted, untagged intervals first.
func (s mysqlSet) String() string {
	keys := make([]sid, 0, len(s))
	for k, ivs := range s {
		if len(ivs) > 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b sid) int {
		if c := strings.Compare(a.uuid, b.uuid); c != 0 {
			return c
		}
		return strings.Compare(a.tag, b.tag)
	})
	var sb strings.Builder
	for i, k := range keys {
		if i == 0 || keys[i-1].uuid != k.uuid {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(k.uuid)
		}
		if k.tag != "" {
			sb.WriteString(":" + k.tag)
		}
		for _, iv := range s[k] {
			sb.WriteString(":" + strconv.FormatUint(iv.start, 10))
			if iv.stop-iv.start > 1 {
				sb.WriteString("-" + strconv.FormatUint(iv.stop-1, 10))
			}
		}
	}
	return sb.String()
}
