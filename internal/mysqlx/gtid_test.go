package mysqlx

import (
	"errors"
	"strings"
	"testing"
)

const (
	u1 = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	u2 = "4f22fa47-71ca-11e1-9e33-c80aa9429562"
)

func mustParse(t *testing.T, f Flavor, s string) GTIDSet {
	t.Helper()
	g, err := Parse(f, s)
	if err != nil {
		t.Fatalf("Parse(%s, %q): %v", f, s, err)
	}
	return g
}

func TestParseCanonical(t *testing.T) {
	for _, c := range []struct {
		f         Flavor
		in, want  string
		wantCount uint64
	}{
		{MySQL, "", "", 0},
		{MySQL, u1 + ":1-100:105", u1 + ":1-100:105", 101},
		{MySQL, u2 + ":5-9,\n" + strings.ToUpper(u1) + ":3:1-2", u1 + ":1-3," + u2 + ":5-9", 8},
		{MySQL, u1 + ":1-5:3-8:10", u1 + ":1-8:10", 9},
		{MySQL, u1 + ":1-5:Blue:1-3:red:7", u1 + ":1-5:blue:1-3:red:7", 9},
		{MySQL, u1 + ":tag_1:4," + u1 + ":2", u1 + ":2:tag_1:4", 2},
		{MariaDB, "", "", 0},
		{MariaDB, "0-1-100", "0-1-100", 100},
		{MariaDB, " 2-3-7, 0-1-100 ", "0-1-100,2-3-7", 107},
		{MariaDB, "0-1-0", "0-1-0", 0},
	} {
		g := mustParse(t, c.f, c.in)
		if g.String() != c.want || g.Count() != c.wantCount || g.IsEmpty() != (c.wantCount == 0) {
			t.Errorf("Parse(%s, %q) = %q count %d, want %q count %d", c.f, c.in, g, g.Count(), c.want, c.wantCount)
		}
		if again := mustParse(t, c.f, g.String()); !again.Equal(g) {
			t.Errorf("%q does not round-trip", g)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	for _, c := range []struct {
		f        Flavor
		in, want string
	}{
		{MySQL, "nope:1-5", "not a UUID"},
		{MySQL, u1, "want uuid[:tag]:interval"},
		{MySQL, u1 + ":0-5", "start at 1"},
		{MySQL, u1 + ":9-5", "end before start"},
		{MySQL, u1 + ":1-x", "decimal numbers"},
		{MySQL, u1 + ":1-5,", "member 2 is empty"},
		{MySQL, u1 + ":tag", "missing interval"},
		{MySQL, u1 + ":a:b:1", `tag "a" has no interval`},
		{MySQL, u1 + ":bad-tag!:1", "neither an interval"},
		{MySQL, u1 + ":1-9223372036854775808", "above 2^63-1"},
		{MariaDB, "0-1", "domain-server-sequence"},
		{MariaDB, "0-1-5,", "member 2 is empty"},
		{MariaDB, "x-1-5", "domain id"},
		{MariaDB, "0-1-5,0-2-6", "appears twice"},
		{MariaDB, "0-1-x", "sequence number"},
		{"oracle", "1", "unknown flavor"},
	} {
		_, err := Parse(c.f, c.in)
		if err == nil || !errors.Is(err, ErrBadGTID) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%s, %q) = %v, want ErrBadGTID mentioning %q", c.f, c.in, err, c.want)
		}
	}
}

func TestSubtractMySQL(t *testing.T) {
	for _, c := range []struct{ a, b, want string }{
		{"", "", ""},
		{u1 + ":1-10", "", u1 + ":1-10"},
		{"", u1 + ":1-10", ""},
		{u1 + ":1-10", u2 + ":1-10", u1 + ":1-10"},             // disjoint UUIDs
		{u1 + ":1-10", u1 + ":1-10", ""},                       // equal
		{u1 + ":1-10", u1 + ":1-4", u1 + ":5-10"},              // behind
		{u1 + ":1-10", u1 + ":3-4:8", u1 + ":1-2:5-7:9-10"},    // holes
		{u1 + ":1-10:20-30", u1 + ":5-25", u1 + ":1-4:26-30"},  // overlap across intervals
		{u1 + ":1-5," + u2 + ":1-3", u1 + ":1-5", u2 + ":1-3"}, // errant UUID
		{u1 + ":1-5:t:1-3", u1 + ":1-5", u1 + ":t:1-3"},        // tags are distinct sources
		{u1 + ":1-5", u1 + ":1-5:t:1-3", ""},                   // subset
		{u1 + ":2-3:7-9", u1 + ":1-100", ""},                   // fully covered
		{u1 + ":1-9223372036854775807", u1 + ":2-9223372036854775807", u1 + ":1"},
	} {
		a, b := mustParse(t, MySQL, c.a), mustParse(t, MySQL, c.b)
		d, err := a.Subtract(b)
		if err != nil || d.String() != c.want {
			t.Errorf("%q - %q = %q, %v; want %q", c.a, c.b, d, err, c.want)
			continue
		}
		want := mustParse(t, MySQL, c.want)
		if d.Count() != want.Count() || !d.Equal(want) || !a.Contains(d) {
			t.Errorf("%q - %q: count %d want %d", c.a, c.b, d.Count(), want.Count())
		}
		if got := b.Contains(a); got != (c.want == "") {
			t.Errorf("Contains(%q, %q) = %v", c.b, c.a, got)
		}
	}
}

func TestSubtractMariaDB(t *testing.T) {
	for _, c := range []struct {
		a, b, want string
		count      uint64
	}{
		{"", "", "", 0},
		{"0-1-10", "", "0-1-10", 10},
		{"0-1-10", "0-1-10", "", 0},
		{"0-1-10", "0-1-4", "0-1-5..10", 6},             // standby behind: 6 to go
		{"0-1-4", "0-1-10", "", 0},                      // ahead on the right
		{"0-1-10,1-2-5", "0-1-7", "0-1-8..10,1-2-5", 8}, // right lacks domain 1
		{"0-1-10,1-2-5", "0-1-10,1-2-5,2-3-9", "", 0},   // subset
		{"0-2-12", "0-1-10", "0-2-11..12", 2},           // errant on a standby
		{"0-1-10", "0-2-10", "", 0},                     // divergence invisible here
		{"0-1-0", "", "", 0},                            // empty domain
	} {
		a, b := mustParse(t, MariaDB, c.a), mustParse(t, MariaDB, c.b)
		d, err := a.Subtract(b)
		if err != nil || d.String() != c.want || d.Count() != c.count {
			t.Errorf("%q - %q = %q (%d), %v; want %q (%d)", c.a, c.b, d, d.Count(), err, c.want, c.count)
		}
		if got := b.Contains(a); got != (c.count == 0) {
			t.Errorf("Contains(%q, %q) = %v", c.b, c.a, got)
		}
		if !a.Contains(d) || d.IsPosition() == strings.Contains(c.want, "..") {
			t.Errorf("%q - %q = %q: not contained in %q or IsPosition wrong", c.a, c.b, d, c.a)
		}
	}
}

func TestMariaDBRangesAndGaps(t *testing.T) {
	primary := mustParse(t, MariaDB, "0-1-20,3-1-4")
	standby := mustParse(t, MariaDB, "0-1-15")
	missing, err := primary.Subtract(standby)
	if err != nil {
		t.Fatal(err)
	}
	want := []SeqRange{{Domain: 0, ServerID: 1, First: 16, Last: 20}, {Domain: 3, ServerID: 1, First: 1, Last: 4}}
	got := missing.Ranges()
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] || got[0].Count() != 5 {
		t.Fatalf("Ranges = %+v, want %+v", got, want)
	}
	// A range strictly inside another leaves a gap: refused, never approximated.
	inner, _ := mustParse(t, MariaDB, "0-1-12").Subtract(mustParse(t, MariaDB, "0-1-10"))
	if _, err := primary.Subtract(inner); !errors.Is(err, ErrGap) {
		t.Fatalf("20 - 11..12: %v, want ErrGap", err)
	}
	// Removing the tail of a range keeps its head.
	head, err := missing.Subtract(mustParse(t, MariaDB, "0-1-20"))
	if err != nil || head.String() != "3-1-4" {
		t.Fatalf("tail: %q, %v", head, err)
	}
	if d := mustParse(t, MariaDB, "0-1-10,1-1-3").DivergentDomains(mustParse(t, MariaDB, "0-2-10,1-1-3")); len(d) != 1 || d[0] != 0 {
		t.Fatalf("DivergentDomains = %v, want [0]", d)
	}
	if mustParse(t, MariaDB, "0-1-10").Equal(mustParse(t, MariaDB, "0-2-10")) {
		t.Fatal("0-1-10 equals 0-2-10")
	}
}

func TestFlavorMismatch(t *testing.T) {
	my, maria := mustParse(t, MySQL, u1+":1-3"), mustParse(t, MariaDB, "0-1-3")
	if _, err := my.Subtract(maria); !errors.Is(err, ErrFlavorMismatch) {
		t.Fatalf("mixed Subtract: %v", err)
	}
	if my.Contains(maria) || my.Equal(maria) {
		t.Fatal("mixed flavors compare equal")
	}
	var zero GTIDSet
	if d, err := my.Subtract(zero); err != nil || !d.Equal(my) || !my.Contains(zero) || !zero.IsEmpty() {
		t.Fatalf("zero set: %q, %v", d, err)
	}
}
