// Package sinktest is the shared test suite that every sinks.Sink
// implementation must pass against its real server.
package sinktest

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"testing"
)

// Data returns a deterministic pseudo-random stream of size bytes for seed.
// It costs no memory whatever the size, so it can stand in for huge objects.
func Data(seed uint64, size int64) io.Reader {
	var key [32]byte
	for i := range 8 {
		key[i] = byte(seed >> (8 * i))
	}
	return io.LimitReader(rand.NewChaCha8(key), size)
}

// DataSHA256 is the hex SHA-256 of Data(seed, size).
func DataSHA256(t testing.TB, seed uint64, size int64) string {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, Data(seed, size)); err != nil {
		t.Fatalf("hash test data: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ReadSHA256 reads r to the end and returns its hex SHA-256 and length.
func ReadSHA256(r io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	return hex.EncodeToString(h.Sum(nil)), n, err
}
