package seal

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	mrand "math/rand/v2"
	"testing"
	"testing/iotest"
)

func testKey(t testing.TB, fill byte) Key {
	t.Helper()
	k, err := NewKey(bytes.Repeat([]byte{fill}, keySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// seal encrypts plain with k, writing it in pieces of at most chunk bytes
// (0: one Write).
func sealBytes(t testing.TB, k Key, plain []byte, chunk int) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := NewWriter(&out, k)
	if err != nil {
		t.Fatal(err)
	}
	if chunk <= 0 {
		chunk = len(plain) + 1
	}
	for p := plain; len(p) > 0; {
		n := min(chunk, len(p))
		if k, err := w.Write(p[:n]); err != nil || k != n {
			t.Fatalf("Write: %d, %v", k, err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
	return out.Bytes()
}

func openAll(k Key, sealed []byte, wrap func(io.Reader) io.Reader) ([]byte, error) {
	r, err := NewReader(wrap(bytes.NewReader(sealed)), k)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// storedSize is what a stream of n plaintext bytes takes once sealed.
func storedSize(n int) int {
	segs := max(1, (n+segmentSize-1)/segmentSize)
	return headerSize + n + segs*tagSize
}

func TestRoundTrip(t *testing.T) {
	k := testKey(t, 7)
	sizes := []int{0, 1, 15, 16, 17, segmentSize - 1, segmentSize, segmentSize + 1,
		2*segmentSize - 1, 2 * segmentSize, 2*segmentSize + 1, 3<<20 + 17, 5 << 20}
	identity := func(r io.Reader) io.Reader { return r }
	readers := map[string]func(io.Reader) io.Reader{
		"whole":   identity,
		"onebyte": iotest.OneByteReader,
		"half":    iotest.HalfReader,
		"dataerr": iotest.DataErrReader,
	}
	for _, n := range sizes {
		plain := make([]byte, n)
		rand.Read(plain)
		for _, chunk := range []int{0, 1, 4093, segmentSize, segmentSize + 3} {
			if chunk == 1 && n > 3*segmentSize {
				continue // a byte at a time is covered by the smaller sizes
			}
			sealed := sealBytes(t, k, plain, chunk)
			if len(sealed) != storedSize(n) {
				t.Fatalf("size %d: sealed to %d bytes, want %d", n, len(sealed), storedSize(n))
			}
			for name, wrap := range readers {
				if name == "onebyte" && chunk != 0 {
					continue
				}
				got, err := openAll(k, sealed, wrap)
				if err != nil {
					t.Fatalf("size %d chunk %d reader %s: %v", n, chunk, name, err)
				}
				if !bytes.Equal(got, plain) {
					t.Fatalf("size %d chunk %d reader %s: plaintext differs", n, chunk, name)
				}
			}
		}
	}
}

// TestReaderContract runs the standard library's reader checks over a
// stream of several segments.
func TestReaderContract(t *testing.T) {
	k := testKey(t, 9)
	plain := make([]byte, 3*segmentSize+100)
	rand.Read(plain)
	r, err := NewReader(bytes.NewReader(sealBytes(t, k, plain, 0)), k)
	if err != nil {
		t.Fatal(err)
	}
	if err := iotest.TestReader(r, plain); err != nil {
		t.Fatal(err)
	}
}

// TestStreamsDiffer: the same plaintext sealed twice with the same key gives
// unrelated ciphertexts (fresh salt and prefix per stream).
func TestStreamsDiffer(t *testing.T) {
	k := testKey(t, 1)
	plain := bytes.Repeat([]byte("same"), 1000)
	a, b := sealBytes(t, k, plain, 0), sealBytes(t, k, plain, 0)
	if bytes.Equal(a[headerSize:], b[headerSize:]) || bytes.Equal(a[:headerSize], b[:headerSize]) {
		t.Fatal("two streams of the same plaintext are identical")
	}
	if bytes.Contains(a, plain[:64]) {
		t.Fatal("plaintext visible in the sealed stream")
	}
}

// TestRandomRoundTrips seals random sizes written in random pieces.
func TestRandomRoundTrips(t *testing.T) {
	k := testKey(t, 3)
	rng := mrand.New(mrand.NewPCG(1, 2))
	for i := 0; i < 60; i++ {
		n := rng.IntN(4 * segmentSize)
		plain := make([]byte, n)
		rand.Read(plain)
		var out bytes.Buffer
		w, err := NewWriter(&out, k)
		if err != nil {
			t.Fatal(err)
		}
		for p := plain; len(p) > 0; {
			c := min(len(p), 1+rng.IntN(3*segmentSize))
			w.Write(p[:c])
			p = p[c:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got, err := openAll(k, out.Bytes(), iotest.HalfReader)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("round %d (%d bytes): %v", i, n, err)
		}
	}
}

type failWriter struct{ after int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("disk full")
	}
	f.after--
	return len(p), nil
}

func TestWriterErrorIsSticky(t *testing.T) {
	k := testKey(t, 4)
	if _, err := NewWriter(&failWriter{}, k); err == nil {
		t.Fatal("header write error not reported")
	}
	w, err := NewWriter(&failWriter{after: 1}, k)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 3*segmentSize)); err == nil {
		t.Fatal("segment write error not reported")
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Fatal("error not sticky")
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close after a failed write succeeded")
	}
}

func TestZeroKeyRefused(t *testing.T) {
	if _, err := NewWriter(io.Discard, Key{}); !errors.Is(err, ErrBadKey) {
		t.Fatalf("NewWriter with the zero Key: %v", err)
	}
	if _, err := NewReader(bytes.NewReader(nil), Key{}); !errors.Is(err, ErrBadKey) {
		t.Fatalf("NewReader with the zero Key: %v", err)
	}
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{}, uint16(0))
	f.Add([]byte("INSERT INTO t VALUES (1);"), uint16(3))
	f.Add(bytes.Repeat([]byte{0}, segmentSize+1), uint16(4096))
	k := testKey(f, 5)
	f.Fuzz(func(t *testing.T, plain []byte, chunk uint16) {
		got, err := openAll(k, sealBytes(t, k, plain, int(chunk)), iotest.OneByteReader)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%d bytes in pieces of %d: %v", len(plain), chunk, err)
		}
	})
}

// FuzzReader: whatever the input, the reader fails cleanly (never a panic,
// never plaintext from an unauthenticated stream).
func FuzzReader(f *testing.F) {
	k := testKey(f, 6)
	f.Add([]byte{})
	f.Add([]byte(magic))
	// The same valid stream in every fuzz worker process.
	var buf bytes.Buffer
	w, _ := newWriter(&buf, k, bytes.NewReader(make([]byte, saltSize+prefixSize)))
	w.Write([]byte("hello"))
	w.Close()
	valid := buf.Bytes()
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := openAll(k, data, iotest.HalfReader)
		if err == nil && !bytes.Equal(data, valid) {
			t.Fatalf("forged stream opened: %q", got)
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	k := testKey(b, 8)
	plain := make([]byte, 8<<20)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		w, _ := NewWriter(io.Discard, k)
		w.Write(plain)
		w.Close()
	}
}

func BenchmarkOpen(b *testing.B) {
	k := testKey(b, 8)
	plain := make([]byte, 8<<20)
	sealed := sealBytes(b, k, plain, 0)
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		r, _ := NewReader(bytes.NewReader(sealed), k)
		if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{r}, buf); err != nil {
			b.Fatal(err)
		}
	}
}
