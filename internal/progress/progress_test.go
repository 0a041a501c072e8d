package progress

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.00 KiB", 3 << 29: "1.50 GiB", 5 << 40: "5.00 TiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestCounterAndRate(t *testing.T) {
	c := NewCounter(strings.NewReader(strings.Repeat("x", 4096)))
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Fatal(err)
	}
	if c.Bytes() != 4096 {
		t.Errorf("counted %d", c.Bytes())
	}
	if r := Rate(4096, 2*time.Second); r != 2048 {
		t.Errorf("Rate = %v", r)
	}
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
}
