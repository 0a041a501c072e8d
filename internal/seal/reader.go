package seal

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
)

// reader opens a sealed stream segment by segment. It reads one byte past
// each full segment to learn whether that segment is the last one.
type reader struct {
	r      io.Reader
	aead   cipher.AEAD
	header []byte
	prefix []byte
	nonce  [nonceSize]byte
	ctr    uint32
	off    int64  // stored offset of the next segment
	buf    []byte // one sealed segment plus the look-ahead byte
	peeked bool   // buf[cipherSegment] holds the first byte of the next segment
	plain  []byte // opened, not yet returned
	out    []byte // backing store of plain, cap segmentSize
	done   bool
	err    error // sticky
}

// NewReader reads the header from r at once (so that a wrong key or data
// that is not sealed is reported before any plaintext) and returns a reader
// of the plaintext. Every segment is authenticated before any of its bytes
// are returned; the stream ends with io.EOF only after its last segment
// authenticated as the last one. Errors wrap ErrWrongKey or ErrCorrupt, or
// are r's own.
func NewReader(r io.Reader, k Key) (io.Reader, error) {
	if !k.ok {
		return nil, fmt.Errorf("%w: no key loaded", ErrBadKey)
	}
	header := make([]byte, headerSize)
	n, err := io.ReadFull(r, header)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		if n == 0 || !bytes.HasPrefix([]byte(magic), header[:min(n, len(magic))]) {
			return nil, &CorruptError{Offset: 0, Reason: reasonNoHeader}
		}
		return nil, &CorruptError{Offset: int64(n), Reason: reasonShort}
	case err != nil:
		return nil, fmt.Errorf("seal: read header: %w", err)
	}
	if string(header[:len(magic)]) != magic {
		return nil, &CorruptError{Offset: 0, Reason: reasonNoHeader}
	}
	if v := header[len(magic)]; v != version {
		return nil, &CorruptError{Offset: int64(len(magic)),
			Reason: fmt.Sprintf("sealed with format version %d, which this pilotlight does not know (it reads %d): upgrade pilotlight", v, version)}
	}
	idAt := len(magic) + 1
	if need := header[idAt : idAt+keyIDSize]; !bytes.Equal(need, k.id[:]) {
		return nil, &WrongKeyError{Have: k.ID(), Need: fmt.Sprintf("%x", need)}
	}
	saltAt := idAt + keyIDSize
	aead, err := k.streamAEAD(header[saltAt : saltAt+saltSize])
	if err != nil {
		return nil, err
	}
	return &reader{
		r: r, aead: aead, header: header, prefix: header[saltAt+saltSize:],
		off: int64(headerSize),
		buf: make([]byte, cipherSegment+1),
		out: make([]byte, 0, segmentSize),
	}, nil
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.err = r.next()
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// next reads and opens one segment. An empty last segment leaves plain
// empty and done set.
func (r *reader) next() error {
	start := 0
	if r.peeked {
		r.buf[0] = r.buf[cipherSegment]
		start = 1
	}
	n, err := io.ReadFull(r.r, r.buf[start:])
	n += start
	last := true
	switch {
	case err == nil:
		last, n, r.peeked = false, cipherSegment, true
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		r.peeked = false
	default:
		return fmt.Errorf("seal: read segment at byte %d: %w", r.off, err)
	}
	seg := r.buf[:n]
	if n < tagSize {
		if n == 0 && r.ctr > 0 {
			return &CorruptError{Offset: r.off, Reason: reasonTruncated}
		}
		return &CorruptError{Offset: r.off, Reason: reasonDamaged}
	}
	if r.ctr == maxSegments {
		return &CorruptError{Offset: r.off, Reason: "corrupted: more segments than a stream can have"}
	}
	plain, ok := r.open(seg, last)
	if !ok {
		return r.diagnose(seg, last)
	}
	r.plain = plain
	r.off += int64(n)
	r.ctr++
	r.done = last
	return nil
}

func (r *reader) open(seg []byte, last bool) ([]byte, bool) {
	nonceFor(&r.nonce, r.prefix, r.ctr, last)
	plain, err := r.aead.Open(r.out[:0], r.nonce[:], seg, r.header)
	return plain, err == nil
}

// diagnose names what is wrong with a segment that did not authenticate:
// when it opens with the other last-segment flag, the stream was cut short
// or has data appended; otherwise it is damaged (or cut inside a segment).
func (r *reader) diagnose(seg []byte, last bool) error {
	if _, ok := r.open(seg, !last); ok {
		if last {
			return &CorruptError{Offset: r.off + int64(len(seg)), Reason: reasonTruncated}
		}
		return &CorruptError{Offset: r.off + int64(len(seg)), Reason: reasonAppended}
	}
	return &CorruptError{Offset: r.off, Reason: reasonDamaged}
}
