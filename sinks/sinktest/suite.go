package sinktest

import (
	"context"
	"errors"
	"testing"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// Harness gives the suite what it needs from one backend.
type Harness struct {
	// New returns a fresh, empty sink (its own bucket, container or prefix)
	// on the backend's real server. The suite closes it.
	New func(t *testing.T) sinks.Sink
	// Corrupt changes the stored bytes of key behind the sink's back while
	// keeping its stored checksum: it flips one byte, or drops the last byte
	// when truncate is true.
	Corrupt func(t *testing.T, s sinks.Sink, key string, truncate bool)
	// Leftovers lists partial uploads, temp files or uncommitted blocks left
	// in s, if the backend can tell (nil: it cannot).
	Leftovers func(t *testing.T, s sinks.Sink) []string
}

// MiB is a mebibyte.
const MiB = 1 << 20

// Run runs the whole suite.
func Run(t *testing.T, h Harness) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, h) })
	t.Run("NotExist", func(t *testing.T) { testNotExist(t, h) })
	t.Run("Overwrite", func(t *testing.T) { testOverwrite(t, h) })
	t.Run("BadKey", func(t *testing.T) { testBadKey(t, h) })
	t.Run("ListPagination", func(t *testing.T) { testListPagination(t, h) })
	t.Run("ConcurrentPuts", func(t *testing.T) { testConcurrentPuts(t, h) })
	t.Run("CancelMidUpload", func(t *testing.T) { testCancelMidUpload(t, h) })
	t.Run("ReaderErrorMidUpload", func(t *testing.T) { testReaderError(t, h) })
	t.Run("Corruption", func(t *testing.T) { testCorruption(t, h) })
	t.Run("Fanout", func(t *testing.T) { testFanout(t, h) })
}

func newSink(t *testing.T, h Harness) sinks.Sink {
	t.Helper()
	s := h.New(t)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// put stores Data(seed, size) under key and checks what Put returned.
func put(t *testing.T, s sinks.Sink, key string, seed uint64, size int64) sinks.Object {
	t.Helper()
	obj, err := s.Put(context.Background(), key, Data(seed, size))
	if err != nil {
		t.Fatalf("Put(%q, %d bytes): %v", key, size, err)
	}
	if obj.Key != key || obj.Size != size {
		t.Fatalf("Put(%q) returned key %q size %d, want size %d", key, obj.Key, obj.Size, size)
	}
	if want := DataSHA256(t, seed, size); obj.SHA256 != want {
		t.Fatalf("Put(%q) returned SHA-256 %s, want %s", key, obj.SHA256, want)
	}
	return obj
}

// readBack opens key, reads it whole, and returns its SHA-256, length and
// the error of the read (nil when the read completed and verified).
func readBack(t *testing.T, s sinks.Sink, key string) (string, int64, error) {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	return ReadSHA256(rc)
}

// mustNotExist checks that key is invisible to Stat, Open and List.
func mustNotExist(t *testing.T, s sinks.Sink, key string) {
	t.Helper()
	if _, err := s.Stat(context.Background(), key); !errors.Is(err, sinks.ErrNotExist) {
		t.Errorf("%s: Stat(%q) = %v, want ErrNotExist", s, key, err)
	}
	if rc, err := s.Open(context.Background(), key); !errors.Is(err, sinks.ErrNotExist) {
		if err == nil {
			rc.Close()
		}
		t.Errorf("%s: Open(%q) = %v, want ErrNotExist", s, key, err)
	}
	var seen []string
	if err := s.List(context.Background(), "", func(o sinks.Object) error {
		seen = append(seen, o.Key)
		return nil
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, k := range seen {
		if k == key {
			t.Errorf("%s: List shows %q, which must not be visible", s, key)
		}
	}
}

func noLeftovers(t *testing.T, h Harness, s sinks.Sink) {
	t.Helper()
	if h.Leftovers == nil {
		return
	}
	if left := h.Leftovers(t, s); len(left) > 0 {
		t.Errorf("%s: partial uploads left behind: %v", s, left)
	}
}
