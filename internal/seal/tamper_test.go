package seal

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// sealed3 is a stream of three segments, the last one short.
func sealed3(t *testing.T, k Key) []byte {
	t.Helper()
	plain := make([]byte, 2*segmentSize+1000)
	rand.Read(plain)
	return sealBytes(t, k, plain, 0)
}

// segAt is the stored offset of segment i.
func segAt(i int) int { return headerSize + i*cipherSegment }

func wantCorrupt(t *testing.T, name string, err error, offset int64, reason string) {
	t.Helper()
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("%s: want a CorruptError, got %v", name, err)
	}
	if ce.Offset != offset || ce.Reason != reason {
		t.Fatalf("%s: got %q, want %q at byte %d", name, err, reason, offset)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("at byte %d", offset)) {
		t.Fatalf("%s: message %q does not give the offset", name, err)
	}
}

func TestTamper(t *testing.T) {
	k := testKey(t, 2)
	orig := sealed3(t, k)
	seg := func(i int) []byte { return orig[segAt(i):min(segAt(i+1), len(orig))] }
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	flip := func(at int) []byte {
		b := bytes.Clone(orig)
		b[at] ^= 0x01
		return b
	}
	hdr := orig[:headerSize]
	cases := []struct {
		name   string
		data   []byte
		offset int64
		reason string
	}{
		{"flipped byte in segment 0", flip(segAt(0) + 10), int64(segAt(0)), reasonDamaged},
		{"flipped byte in segment 1", flip(segAt(1) + 77), int64(segAt(1)), reasonDamaged},
		{"flipped tag of the last segment", flip(len(orig) - 1), int64(segAt(2)), reasonDamaged},
		{"flipped salt", flip(len(magic) + 1 + keyIDSize), int64(segAt(0)), reasonDamaged},
		{"flipped nonce prefix", flip(headerSize - 1), int64(segAt(0)), reasonDamaged},
		{"last segment dropped", orig[:segAt(2)], int64(segAt(2)), reasonTruncated},
		{"cut inside the last segment", orig[:len(orig)-5], int64(segAt(2)), reasonDamaged},
		{"cut inside a middle segment", orig[:segAt(1)+500], int64(segAt(1)), reasonDamaged},
		{"cut to 10 bytes of a segment", orig[:segAt(1)+10], int64(segAt(1)), reasonDamaged},
		{"header only", orig[:headerSize], int64(headerSize), reasonDamaged},
		{"segments swapped", join(hdr, seg(1), seg(0), seg(2)), int64(segAt(0)), reasonDamaged},
		{"segment repeated", join(hdr, seg(0), seg(0), seg(1), seg(2)), int64(segAt(1)), reasonDamaged},
		{"garbage appended", join(orig, []byte("more")), int64(segAt(2)), reasonDamaged},
		{"one byte appended", join(orig, []byte{0}), int64(segAt(2)), reasonDamaged},
		{"header of another stream", join(sealed3(t, k)[:headerSize], orig[headerSize:]), int64(segAt(0)), reasonDamaged},
		{"not sealed at all", []byte("/*!40101 SET NAMES binary */;\nINSERT INTO t VALUES (1);\n" + strings.Repeat("x", 100)), 0, reasonNoHeader},
		{"empty", nil, 0, reasonNoHeader},
		{"cut inside the header", orig[:20], 20, reasonShort},
	}
	for _, c := range cases {
		_, err := openAll(k, c.data, func(r io.Reader) io.Reader { return r })
		wantCorrupt(t, c.name, err, c.offset, c.reason)
	}
}

// TestTamperFullLastSegment: when the plaintext fills its last segment,
// dropping or appending whole segments is named precisely.
func TestTamperFullLastSegment(t *testing.T) {
	k := testKey(t, 2)
	plain := make([]byte, 3*segmentSize)
	rand.Read(plain)
	orig := sealBytes(t, k, plain, 0)
	if len(orig) != segAt(3) {
		t.Fatalf("stream of %d bytes, want %d", len(orig), segAt(3))
	}
	other := sealBytes(t, k, plain, 0)
	id := func(r io.Reader) io.Reader { return r }

	_, err := openAll(k, orig[:segAt(2)], id)
	wantCorrupt(t, "last full segment dropped", err, int64(segAt(2)), reasonTruncated)
	_, err = openAll(k, append(bytes.Clone(orig), other[segAt(0):segAt(1)]...), id)
	wantCorrupt(t, "segment appended", err, int64(segAt(3)), reasonAppended)
	_, err = openAll(k, append(bytes.Clone(orig), 'x'), id)
	wantCorrupt(t, "byte appended", err, int64(segAt(3)), reasonAppended)
}

// TestNoPlaintextBeforeAuthentication: a damaged segment yields none of its
// bytes; the segments before it were authentic and were returned.
func TestNoPlaintextBeforeAuthentication(t *testing.T) {
	k := testKey(t, 2)
	plain := make([]byte, 2*segmentSize+10)
	rand.Read(plain)
	b := sealBytes(t, k, plain, 0)
	b[segAt(1)+3] ^= 0x80
	got, err := openAll(k, b, func(r io.Reader) io.Reader { return r })
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v", err)
	}
	if !bytes.Equal(got, plain[:segmentSize]) {
		t.Fatalf("got %d bytes before the error, want exactly the first segment", len(got))
	}
	// The error is sticky.
	r, _ := NewReader(bytes.NewReader(b), k)
	io.Copy(io.Discard, r)
	if _, err := r.Read(make([]byte, 10)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("second read after the error: %v", err)
	}
}

func TestWrongKey(t *testing.T) {
	right, wrong := testKey(t, 2), testKey(t, 3)
	_, err := openAll(wrong, sealed3(t, right), func(r io.Reader) io.Reader { return r })
	var wk *WrongKeyError
	if !errors.As(err, &wk) || !errors.Is(err, ErrWrongKey) {
		t.Fatalf("want a WrongKeyError, got %v", err)
	}
	if wk.Have != wrong.ID() || wk.Need != right.ID() {
		t.Fatalf("WrongKeyError %+v, want have %s need %s", wk, wrong.ID(), right.ID())
	}
	want := fmt.Sprintf("wrong key (key id %s, snapshot needs %s)", wrong.ID(), right.ID())
	if !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("message %q, want it to start with %q", err, want)
	}
	if errors.Is(err, ErrCorrupt) {
		t.Fatal("a wrong key is reported as corruption")
	}
}

// TestUnknownVersion: a newer format says to upgrade, not that data is bad.
func TestUnknownVersion(t *testing.T) {
	k := testKey(t, 2)
	b := sealed3(t, k)
	b[len(magic)] = 2
	_, err := openAll(k, b, func(r io.Reader) io.Reader { return r })
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "upgrade pilotlight") {
		t.Fatalf("err = %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestIOErrorIsNotCorruption: a failing source is reported as itself.
func TestIOErrorIsNotCorruption(t *testing.T) {
	k := testKey(t, 2)
	b := sealed3(t, k)
	boom := errors.New("connection reset")
	r, err := NewReader(io.MultiReader(bytes.NewReader(b[:segAt(1)+100]), errReader{boom}), k)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(r)
	if !errors.Is(err, boom) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v", err)
	}
	if _, err := NewReader(errReader{boom}, k); !errors.Is(err, boom) {
		t.Fatalf("header read error = %v", err)
	}
}
