package mysqlx

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// seqRange is the transactions after..last of one MariaDB domain (after exclusive,
// last inclusive); server is the server id of the transaction numbered last, 0 when
// unknown. A position domain-server-seq is {server, 0, seq}.
type seqRange struct {
	server      uint32
	after, last uint64
}

func (r seqRange) count() uint64 { return r.last - r.after }

// mariaSet maps a GTID domain id to its range.
type mariaSet map[uint32]seqRange

// SeqRange is the part of a MariaDB GTIDSet in one domain: the transactions numbered
// First..Last (inclusive), the newest written by ServerID (0 when unknown).
type SeqRange struct {
	Domain, ServerID uint32
	First, Last      uint64
}

// Count is the number of transactions in the range.
func (r SeqRange) Count() uint64 { return r.Last - r.First + 1 }

func parseMariaPos(s string) (mariaSet, error) {
	set := mariaSet{}
	list, err := members(s)
	if err != nil {
		return nil, err
	}
	for _, member := range list {
		parts := strings.Split(member, "-")
		if len(parts) != 3 {
			return nil, fmt.Errorf("%q: want domain-server-sequence, such as 0-1-100", member)
		}
		domain, err1 := strconv.ParseUint(parts[0], 10, 32)
		server, err2 := strconv.ParseUint(parts[1], 10, 32)
		seq, err3 := strconv.ParseUint(parts[2], 10, 64)
		switch {
		case err1 != nil:
			return nil, fmt.Errorf("%q: domain id %q is not a number from 0 to 4294967295", member, parts[0])
		case err2 != nil:
			return nil, fmt.Errorf("%q: server id %q is not a number from 0 to 4294967295", member, parts[1])
		case err3 != nil:
			return nil, fmt.Errorf("%q: sequence number %q is not an unsigned 64-bit number", member, parts[2])
		}
		if prev, dup := set[uint32(domain)]; dup {
			return nil, fmt.Errorf("domain %d appears twice (%d-%d-%d and %s): a position has one GTID per domain",
				domain, domain, prev.server, prev.last, member)
		}
		set[uint32(domain)] = seqRange{server: uint32(server), last: seq}
	}
	return set, nil
}

// subtract returns, per domain, the part of s's range beyond o's.
func (s mariaSet) subtract(o mariaSet) (mariaSet, error) {
	out := mariaSet{}
	for d, a := range s {
		b, ok := o[d]
		if a.count() == 0 {
			continue
		}
		if !ok || b.count() == 0 || b.after >= a.last || b.last <= a.after {
			out[d] = a
			continue
		}
		switch {
		case b.after <= a.after: // b covers the start of a
			if b.last < a.last {
				out[d] = seqRange{server: a.server, after: b.last, last: a.last}
			}
		case b.last >= a.last: // b covers the end of a
			out[d] = seqRange{after: a.after, last: b.after} // newest server unknown
		default:
			return nil, fmt.Errorf("%w: domain %d: removing %d..%d from %d..%d", ErrGap, d, b.after+1, b.last, a.after+1, a.last)
		}
	}
	return out, nil
}

func (s mariaSet) count() uint64 {
	var n uint64
	for _, r := range s {
		n += r.count()
	}
	return n
}

func (s mariaSet) equal(o mariaSet) bool {
	for _, pair := range [][2]mariaSet{{s, o}, {o, s}} {
		for d, a := range pair[0] {
			if a.count() == 0 {
				continue
			}
			if b, ok := pair[1][d]; !ok || a != b {
				return false
			}
		}
	}
	return true
}

func (s mariaSet) domains() []uint32 {
	ds := make([]uint32, 0, len(s))
	for d := range s {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds
}

// String renders positions as domain-server-seq, and ranges that do not start at 1
// as domain-server-first..last, sorted by domain.
func (s mariaSet) String() string {
	parts := make([]string, 0, len(s))
	for _, d := range s.domains() {
		r := s[d]
		p := fmt.Sprintf("%d-%d-%d", d, r.server, r.last)
		if r.after > 0 {
			p = fmt.Sprintf("%d-%d-%d..%d", d, r.server, r.after+1, r.last)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ",")
}

// Ranges lists a MariaDB set's non-empty domains in domain order (nil for MySQL sets),
// for reports such as `pilotlight status`.
func (g GTIDSet) Ranges() []SeqRange {
	var out []SeqRange
	for _, d := range g.maria.domains() {
		if r := g.maria[d]; r.count() > 0 {
			out = append(out, SeqRange{Domain: d, ServerID: r.server, First: r.after + 1, Last: r.last})
		}
	}
	return out
}

// IsPosition reports whether the set can be given to a server as a GTID position or
// set: always for MySQL; for MariaDB when every domain's range starts at 1 (a result
// of Subtract usually does not).
func (g GTIDSet) IsPosition() bool {
	for _, r := range g.maria {
		if r.after > 0 {
			return false
		}
	}
	return true
}

// DivergentDomains lists the MariaDB domains where g and other both end at the same
// sequence number written by different servers: the two histories have diverged
// (each holds a transaction the other lacks) although Subtract, which sees only
// sequence numbers, reports nothing. Divergence at different sequence numbers cannot
// be seen from positions alone. Always nil for MySQL sets, whose UUIDs make every
// transaction distinct.
func (g GTIDSet) DivergentDomains(other GTIDSet) []uint32 {
	var out []uint32
	for _, d := range g.maria.domains() {
		a := g.maria[d]
		b, ok := other.maria[d]
		if ok && a.count() > 0 && a.last == b.last && a.server != b.server && a.server != 0 && b.server != 0 {
			out = append(out, d)
		}
	}
	return out
}
