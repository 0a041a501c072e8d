package sinks

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
)

// MetadataSHA256 is the metadata name under which backends store the hex
// SHA-256 of an object. Azure metadata names must be C# identifiers, so the
// azblob backend uses MetadataSHA256Azure instead.
const (
	MetadataSHA256      = "pilotlight-sha256"
	MetadataSHA256Azure = "pilotlight_sha256"
)

// HashingReader passes reads through while computing SHA-256 and counting bytes.
type HashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

// NewHashingReader wraps r.
func NewHashingReader(r io.Reader) *HashingReader {
	return &HashingReader{r: r, h: sha256.New()}
}

func (h *HashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if n > 0 {
		h.h.Write(p[:n])
		h.n += int64(n)
	}
	return n, err
}

// Sum returns the hex SHA-256 of everything read so far.
func (h *HashingReader) Sum() string { return hex.EncodeToString(h.h.Sum(nil)) }

// Size returns the number of bytes read so far.
func (h *HashingReader) Size() int64 { return h.n }

// VerifyingReader returns rc wrapped so that, at EOF, the content read is
// checked against wantSHA256 (hex) and wantSize (-1: unknown). On mismatch the
// final Read returns a *CorruptError naming key instead of io.EOF. An empty
// wantSHA256 disables the check (objects not written by pilotlight).
func VerifyingReader(key, wantSHA256 string, wantSize int64, rc io.ReadCloser) io.ReadCloser {
	if wantSHA256 == "" {
		return rc
	}
	return &verifyingReader{key: key, want: wantSHA256, size: wantSize, rc: rc, h: sha256.New()}
}

type verifyingReader struct {
	key  string
	want string
	size int64
	rc   io.ReadCloser
	h    hash.Hash
	n    int64
	err  error
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.rc.Read(p)
	if n > 0 {
		v.h.Write(p[:n])
		v.n += int64(n)
	}
	if err == io.EOF {
		got := hex.EncodeToString(v.h.Sum(nil))
		if got != v.want || (v.size >= 0 && v.n != v.size) {
			v.err = &CorruptError{Key: v.key, WantSHA256: v.want, GotSHA256: got, WantSize: v.size, GotSize: v.n}
			return n, v.err
		}
	}
	if err != nil {
		v.err = err
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.rc.Close() }
