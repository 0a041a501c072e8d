package mysqlx

import (
	"errors"
	"fmt"
	"strings"
)

// Flavor is the GTID dialect of a server.
type Flavor string

// The two flavors, spelled like go-mysql's mysql.MySQLFlavor and mysql.MariaDBFlavor.
const (
	MySQL   Flavor = "mysql"
	MariaDB Flavor = "mariadb"
)

// Sentinel errors of GTID handling (wrapped).
var (
	ErrBadGTID        = errors.New("malformed GTID set")
	ErrFlavorMismatch = errors.New("GTID sets of different flavors")
	// ErrGap: a MariaDB GTIDSet holds one contiguous range per domain, so a difference
	// that would leave a hole in the middle of a domain cannot be represented.
	ErrGap = errors.New("MariaDB GTID ranges cannot express a gap")
)

// GTIDSet is a set of transactions of one flavor.
//
// MySQL: an exact GTID set (uuid[:tag]:interval...), with exact interval arithmetic.
//
// MariaDB: a GTID position (domain-server-seq, one per domain) means "every transaction
// of that domain up to seq". MariaDB positions cannot express gaps, so a GTIDSet holds,
// per domain, one contiguous range of sequence numbers (first..last) together with the
// server id of its newest transaction. A parsed position is the range 1..seq. Subtract
// can produce ranges that do not start at 1 (the transactions of the left position
// beyond the right one); such a set is not a position any more: String renders it as
// domain-server-first..last, and it cannot be handed to a server (see Position).
//
// The zero GTIDSet is empty and of no flavor; it combines with either flavor.
type GTIDSet struct {
	flavor Flavor
	my     mysqlSet
	maria  mariaSet
}

// Parse reads a GTID set in the flavor's syntax: MySQL "uuid:1-100:105,uuid2:5-9"
// (also tagged "uuid:tag:1-5"; whitespace and newlines between members are ignored),
// MariaDB "0-1-100,1-2-7" (one position per domain). The empty string is the empty set.
func Parse(flavor Flavor, s string) (GTIDSet, error) {
	switch flavor {
	case MySQL:
		m, err := parseMySQLSet(s)
		if err != nil {
			return GTIDSet{}, fmt.Errorf("%w (MySQL) %q: %w", ErrBadGTID, s, err)
		}
		return GTIDSet{flavor: MySQL, my: m}, nil
	case MariaDB:
		m, err := parseMariaPos(s)
		if err != nil {
			return GTIDSet{}, fmt.Errorf("%w (MariaDB) %q: %w", ErrBadGTID, s, err)
		}
		return GTIDSet{flavor: MariaDB, maria: m}, nil
	default:
		return GTIDSet{}, fmt.Errorf("%w: unknown flavor %q (want mysql or mariadb)", ErrBadGTID, flavor)
	}
}

// Flavor is the set's flavor ("" for the zero GTIDSet).
func (g GTIDSet) Flavor() Flavor { return g.flavor }

// String is the set in the flavor's canonical syntax: MySQL UUIDs sorted, intervals
// merged, untagged intervals before tagged ones; MariaDB positions sorted by domain
// (ranges that do not start at 1 as domain-server-first..last).
func (g GTIDSet) String() string {
	switch g.flavor {
	case MySQL:
		return g.my.String()
	case MariaDB:
		return g.maria.String()
	}
	return ""
}

// IsEmpty reports whether the set holds no transaction.
func (g GTIDSet) IsEmpty() bool { return g.Count() == 0 }

// Count is the number of transactions in the set.
func (g GTIDSet) Count() uint64 {
	switch g.flavor {
	case MySQL:
		return g.my.count()
	case MariaDB:
		return g.maria.count()
	}
	return 0
}

// Subtract returns the transactions of g that are not in other.
//
// For `pilotlight status`, primary.Subtract(standby) is what the standby still misses;
// for cutover preflight, standby.Subtract(primary) is the errant transactions.
// MariaDB: per domain, the left range beyond the right one (the whole left range when
// the right lacks the domain). Subtracting a range that lies strictly inside the left
// one is ErrGap; subtracting positions never is. Note that a sequence number tells
// nothing about which server wrote it: see DivergentDomains.
func (g GTIDSet) Subtract(other GTIDSet) (GTIDSet, error) {
	f, err := commonFlavor(g, other)
	if err != nil {
		return GTIDSet{}, err
	}
	switch f {
	case MySQL:
		return GTIDSet{flavor: MySQL, my: g.my.subtract(other.my)}, nil
	case MariaDB:
		m, err := g.maria.subtract(other.maria)
		if err != nil {
			return GTIDSet{}, err
		}
		return GTIDSet{flavor: MariaDB, maria: m}, nil
	}
	return GTIDSet{}, nil
}

// Contains reports whether every transaction of other is in g. Sets of different
// flavors contain each other only when the contained one is empty.
func (g GTIDSet) Contains(other GTIDSet) bool {
	d, err := other.Subtract(g)
	if err != nil {
		return other.IsEmpty()
	}
	return d.IsEmpty()
}

// Equal reports whether g and other hold the same transactions. For MariaDB the
// server id of each domain's newest transaction must match too (0-1-5 and 0-2-5 end
// in different transactions); domains with no transactions are ignored.
func (g GTIDSet) Equal(other GTIDSet) bool {
	f, err := commonFlavor(g, other)
	if err != nil {
		return false
	}
	switch f {
	case MySQL:
		return g.my.equal(other.my)
	case MariaDB:
		return g.maria.equal(other.maria)
	}
	return true
}

// commonFlavor is the flavor two sets combine in; a zero GTIDSet takes the other's.
func commonFlavor(a, b GTIDSet) (Flavor, error) {
	switch {
	case a.flavor == "":
		return b.flavor, nil
	case b.flavor == "", a.flavor == b.flavor:
		return a.flavor, nil
	}
	return "", fmt.Errorf("%w: %s and %s", ErrFlavorMismatch, a.flavor, b.flavor)
}

// members splits a GTID set into its comma-separated members, trimming
// spaces and newlines (MySQL prints long sets on several lines) and refusing
// empty members. A blank string has no members.
func members(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	for i, m := range parts {
		parts[i] = strings.TrimSpace(m)
		if parts[i] == "" {
			return nil, fmt.Errorf("member %d is empty", i+1)
		}
	}
	return parts, nil
}
