package seal

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
)

// errClosed is returned by Write after Close.
var errClosed = errors.New("seal: write after close")

// writer seals 64 KiB segments. It holds back one full segment until it
// knows whether more data follows, because the last segment is sealed
// differently (that is what makes truncation detectable).
type writer struct {
	w      io.Writer
	aead   cipher.AEAD
	header []byte // additional data of every segment
	prefix []byte
	nonce  [nonceSize]byte
	ctr    uint32
	buf    []byte // plaintext of the pending segment, cap segmentSize
	out    []byte // one sealed segment, cap cipherSegment
	err    error  // sticky
}

// NewWriter returns a writer that seals everything written to it with k and
// writes it to w. The header is written at once. Close must be called to
// write the last segment; it does not close w. Memory use is about 128 KiB
// whatever the amount written.
func NewWriter(w io.Writer, k Key) (io.WriteCloser, error) {
	return newWriter(w, k, rand.Reader)
}

// newWriter takes the source of salt and nonce prefix: tests make it
// deterministic.
func newWriter(w io.Writer, k Key, random io.Reader) (io.WriteCloser, error) {
	if !k.ok {
		return nil, fmt.Errorf("%w: no key loaded", ErrBadKey)
	}
	header := make([]byte, headerSize)
	n := copy(header, magic)
	header[n] = version
	n++
	n += copy(header[n:], k.id[:])
	salt := header[n : n+saltSize]
	prefix := header[n+saltSize:]
	if _, err := io.ReadFull(random, header[n:]); err != nil { // salt and nonce prefix
		return nil, fmt.Errorf("seal: random salt: %w", err)
	}
	aead, err := k.streamAEAD(salt)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(header); err != nil {
		return nil, fmt.Errorf("seal: write header: %w", err)
	}
	return &writer{
		w: w, aead: aead, header: header, prefix: prefix,
		buf: make([]byte, 0, segmentSize),
		out: make([]byte, 0, cipherSegment),
	}, nil
}

func (w *writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		if len(w.buf) == segmentSize { // more data follows: not the last segment
			if err := w.seal(w.buf, false); err != nil {
				return n, err
			}
			w.buf = w.buf[:0]
		}
		if len(w.buf) == 0 && len(p) > segmentSize {
			// A whole segment with more after it: seal it straight from p.
			if err := w.seal(p[:segmentSize], false); err != nil {
				return n, err
			}
			p, n = p[segmentSize:], n+segmentSize
			continue
		}
		k := copy(w.buf[len(w.buf):segmentSize], p)
		w.buf = w.buf[:len(w.buf)+k]
		p, n = p[k:], n+k
	}
	return n, nil
}

// Close seals the pending data as the last segment (an empty stream has one
// empty last segment). Calling it again does nothing.
func (w *writer) Close() error {
	if w.err == errClosed {
		return nil
	}
	if w.err != nil {
		return w.err
	}
	if err := w.seal(w.buf, true); err != nil {
		return err
	}
	clear(w.buf[:cap(w.buf)])
	w.err = errClosed
	return nil
}

func (w *writer) seal(plain []byte, last bool) error {
	if w.ctr == maxSegments {
		w.err = fmt.Errorf("seal: stream longer than %d segments of %d bytes", maxSegments, segmentSize)
		return w.err
	}
	nonceFor(&w.nonce, w.prefix, w.ctr, last)
	w.out = w.aead.Seal(w.out[:0], w.nonce[:], plain, w.header)
	if _, err := w.w.Write(w.out); err != nil {
		w.err = fmt.Errorf("seal: write segment %d: %w", w.ctr, err)
		return w.err
	}
	w.ctr++
	return nil
}
