// Package seal is pilotlight's client-side encryption: AES-256-GCM in a
// streaming format, so that buckets only ever hold ciphertext and memory
// stays bounded whatever the size of the object.
//
// # Format (AES-256-GCM-STREAM-1)
//
// A sealed stream is a header followed by segments:
//
//	header   magic "PLSEAL" | version 0x01 | key id (8) | salt (16) | nonce prefix (7)
//	segment  AES-256-GCM(64 KiB of plaintext) || 16-byte tag, the last one shorter
//
// Each stream has its own AES key, HKDF-SHA256(key, salt), so that the
// random 7-byte nonce prefix never has to be unique across streams: nonce
// reuse across objects is impossible by construction, not merely unlikely.
// Segment i is sealed with nonce = prefix || uint32 i || last flag, and the
// whole header as additional data: this is the STREAM construction (Hoang,
// Reyhanitabar, Rogaway, Vizár), as in Tink and age. Reordered, dropped,
// duplicated or appended segments, a truncated stream, an edited header and a
// wrong key all fail authentication, and the reader tells them apart where it
// can (see CorruptError and WrongKeyError).
//
// The key id in the header is a fingerprint of the key (Key.ID): a reader
// given a different key says so before decrypting anything.
package seal

import (
	"errors"
	"fmt"
)

// Algorithm names this format in snapshot manifests.
const Algorithm = "AES-256-GCM-STREAM-1"

const (
	version     = 1
	keySize     = 32
	keyIDSize   = 8
	saltSize    = 16
	prefixSize  = 7
	tagSize     = 16
	nonceSize   = prefixSize + 4 + 1
	segmentSize = 64 << 10 // plaintext bytes per segment
	headerSize  = len(magic) + 1 + keyIDSize + saltSize + prefixSize

	// cipherSegment is the stored size of every segment but the last.
	cipherSegment = segmentSize + tagSize
	// maxSegments keeps the 32-bit segment counter from wrapping (256 TiB).
	maxSegments = 1<<32 - 1
)

const (
	magic = "PLSEAL"
	// hkdfInfo separates the per-stream key from every other use of the key.
	hkdfInfo = "pilotlight seal v1 stream key"
	// idDomain separates the key fingerprint from every other use of the key.
	idDomain = "pilotlight seal v1 key id\x00"
)

// Errors at the package boundary; the concrete errors below wrap them.
var (
	// ErrWrongKey: the data was sealed with another key.
	ErrWrongKey = errors.New("wrong key")
	// ErrCorrupt: the data is not an intact sealed stream.
	ErrCorrupt = errors.New("sealed data is corrupted or truncated")
	// ErrBadKey: a key file does not hold a usable key.
	ErrBadKey = errors.New("bad key")
)

// WrongKeyError says which key was given and which one the data needs. Both
// are fingerprints (Key.ID), never key material.
type WrongKeyError struct {
	Have, Need string
}

func (e *WrongKeyError) Error() string {
	return fmt.Sprintf("wrong key (key id %s, snapshot needs %s): give the key file the snapshot was written with", e.Have, e.Need)
}

func (e *WrongKeyError) Unwrap() error { return ErrWrongKey }

// CorruptError says where in the stored stream the damage was found.
type CorruptError struct {
	Offset int64  // byte offset in the sealed (stored) stream
	Reason string // what was found there
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s at byte %d", e.Reason, e.Offset)
}

func (e *CorruptError) Unwrap() error { return ErrCorrupt }

// Reasons of a CorruptError.
const (
	reasonDamaged   = "corrupted or truncated"
	reasonTruncated = "truncated (the stream ends before its last segment)"
	reasonAppended  = "corrupted: data appended after the end of the stream"
	reasonNoHeader  = "not sealed data (no " + Algorithm + " header; was it written without an encryption key?)"
	reasonShort     = "truncated (incomplete header)"
)

// nonceFor fills nonce for segment i of a stream with the given prefix.
func nonceFor(nonce *[nonceSize]byte, prefix []byte, i uint32, last bool) {
	copy(nonce[:prefixSize], prefix)
	nonce[prefixSize] = byte(i >> 24)
	nonce[prefixSize+1] = byte(i >> 16)
	nonce[prefixSize+2] = byte(i >> 8)
	nonce[prefixSize+3] = byte(i)
	nonce[nonceSize-1] = 0
	if last {
		nonce[nonceSize-1] = 1
	}
}
