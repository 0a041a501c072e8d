package binlog

import (
	"errors"
	"strings"
	"testing"
)

// TestDecodeError: go-mysql's decode failures become one readable fatal line that
// says what the event holds, the fix and where the event is, never the raw dump.
func TestDecodeError(t *testing.T) {
	dump := `Header &replication.EventHeader{Timestamp:0x6b177543, EventType:0x17, ServerID:0x9fc3, EventSize:0x3e, ` +
		`LogPos:0xdb0, Flags:0x0}, Data "\x17\x00\x00\x00"`
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"unsupport type in binlog 140 " + dump, []string{"COMPRESSED column", "position 3504 of the primary's binlog"}},
		{"parse rows event panic runtime error: index out of range, " + dump, []string{"ALTER TABLE ... FORCE", "position 3504"}},
		{"unsupport type in binlog 99", []string{"type 99", "unsupport type in binlog 99"}},
	} {
		err := decodeError(errors.New(c.in))
		if !errors.Is(err, ErrUnsupportedEvent) {
			t.Errorf("%q: %v is not ErrUnsupportedEvent", c.in, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: %q lacks %q", c.in, err, w)
			}
		}
		if strings.Contains(err.Error(), "EventHeader") {
			t.Errorf("%q: the raw dump is in the error: %q", c.in, err)
		}
	}
	if other := errors.New("connection reset"); decodeError(other) != other {
		t.Errorf("an unrelated error changed")
	}
}
