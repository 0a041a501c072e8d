package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/klauspost/compress/zstd"

	"github.com/pilotlight-dr/pilotlight/internal/seal"
	"github.com/pilotlight-dr/pilotlight/sinks"
)

// ErrKeyRequired: the snapshot is encrypted and no key was given.
var ErrKeyRequired = errors.New("snapshot: encryption key required")

// maxWindow is the largest zstd window accepted, as the zstd command line's
// default limit: anything `zstd -d` reads, this reads, and a damaged or
// hostile frame header cannot make a reader allocate more.
const maxWindow = 128 << 20

// CorruptError names an object whose stored bytes or content do not match
// the manifest. It wraps sinks.ErrCorrupt, and the cause (from internal/seal
// or zstd) when there is one.
type CorruptError struct {
	Key    string // the object's key on the sink
	Reason string
	Err    error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("object %s is corrupt: %s", e.Key, e.Reason)
}

func (e *CorruptError) Unwrap() []error {
	if e.Err == nil {
		return []error{sinks.ErrCorrupt}
	}
	return []error{sinks.ErrCorrupt, e.Err}
}

// OpenFile returns the plain SQL of f, an object of snapshot m: read from s,
// decrypted with key when the snapshot is encrypted, and decompressed. While
// it reads, it checks the stored size and SHA-256 against the manifest (and
// the SQL size); any mismatch ends the stream with a *CorruptError naming
// the object, in place of io.EOF. The check covers the whole object: a
// reader that stops early has verified nothing.
//
// key may be nil for a snapshot that is not encrypted; for an encrypted one
// it must be the key the manifest's key id names (else ErrKeyRequired, or a
// *seal.WrongKeyError).
func OpenFile(ctx context.Context, s sinks.Sink, m *Manifest, f File, key *seal.Key) (io.ReadCloser, error) {
	return openFile(ctx, s, m, f, key, nil)
}

// CheckKey says whether key can decrypt m: nil when m is not encrypted or
// key is its key.
func CheckKey(m *Manifest, key *seal.Key) error {
	c := m.Encryption
	switch {
	case c == nil:
		return nil
	case c.Algorithm != seal.Algorithm:
		return fmt.Errorf("snapshot %s is encrypted with %s, which this pilotlight does not know (it reads %s): upgrade pilotlight", m.ID, c.Algorithm, seal.Algorithm)
	case key == nil || !key.Valid():
		return &kindError{kind: ErrKeyRequired, msg: fmt.Sprintf("snapshot %s is encrypted (key id %s) and no key was given", m.ID, c.KeyID)}
	case key.ID() != c.KeyID:
		return &seal.WrongKeyError{Have: key.ID(), Need: c.KeyID}
	}
	return nil
}

func openFile(ctx context.Context, s sinks.Sink, m *Manifest, f File, key *seal.Key, onRead func(int64)) (io.ReadCloser, error) {
	if err := CheckKey(m, key); err != nil {
		return nil, err
	}
	full := Dir(m.ID) + f.Key
	body, err := s.Open(ctx, full)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", full, err)
	}
	chk := newCheckReader(body, full, f, onRead)
	r := &objectReader{chk: chk, body: body, key: full, want: f.RawBytes}
	var src io.Reader = chk
	if m.Encryption != nil {
		sr, err := seal.NewReader(chk, *key)
		if err != nil {
			body.Close()
			return nil, r.fail("decrypt", err)
		}
		src = sr
	}
	dec, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxWindow))
	if err != nil {
		body.Close()
		return nil, r.fail("decompress", err)
	}
	r.dec = dec
	return r, nil
}

// objectReader is the SQL of one object.
type objectReader struct {
	chk  *checkReader
	body io.Closer
	dec  *zstd.Decoder
	key  string
	want int64 // SQL bytes the manifest promises
	raw  int64
	err  error
}

func (r *objectReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.dec.Read(p)
	r.raw += int64(n)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, io.EOF):
		r.err = r.finish()
	default:
		r.err = r.fail("decompress", err)
	}
	return n, r.err
}

// finish checks, once the SQL has ended, that the stored stream ended too
// and matched the manifest. It returns io.EOF when all is well.
func (r *objectReader) finish() error {
	if err := r.chk.drain(); err != nil {
		return err
	}
	if r.raw != r.want {
		return &CorruptError{Key: r.key, Reason: fmt.Sprintf("it holds %d bytes of SQL, the manifest says %d", r.raw, r.want)}
	}
	return io.EOF
}

// fail turns an error of the decryption or decompression into the error
// to report. A damaged object usually breaks zstd or the seal before its
// end; reading the rest tells whether it differs from the manifest, which
// is the clearer report (and an I/O error on the way is just that).
func (r *objectReader) fail(stage string, err error) error {
	if errors.Is(err, seal.ErrWrongKey) {
		return err
	}
	if c := r.chk.err; c != nil && !errors.Is(c, io.EOF) {
		return c // the check of the stored bytes failed (or reading them did): that is the report
	}
	if derr := r.chk.drain(); derr != nil {
		var ce *CorruptError
		if !errors.As(derr, &ce) {
			return derr // a read error while draining
		}
		return &CorruptError{Key: r.key, Reason: fmt.Sprintf("%s (%s failed: %v)", ce.Reason, stage, err), Err: err}
	}
	return &CorruptError{Key: r.key, Reason: fmt.Sprintf("its bytes match the manifest but do not %s: %v", stage, err), Err: err}
}

// Close releases the decoder and the sink's reader.
func (r *objectReader) Close() error {
	if r.dec != nil {
		r.dec.Close()
	}
	return r.body.Close()
}

// checkReader counts and hashes the stored bytes of one object and compares
// them with the manifest at the end of the stream.
type checkReader struct {
	r      io.Reader
	key    string
	want   File
	h      hash.Hash
	n      int64
	onRead func(int64)
	err    error // sticky: io.EOF when verified, or why not
	ioErr  bool  // err is a read error, not a verdict on the content
}

func newCheckReader(r io.Reader, key string, f File, onRead func(int64)) *checkReader {
	return &checkReader{r: r, key: key, want: f, h: sha256.New(), onRead: onRead}
}

func (c *checkReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	if n > 0 {
		c.h.Write(p[:n])
		c.n += int64(n)
		if c.onRead != nil {
			c.onRead(int64(n))
		}
	}
	switch {
	case c.n > c.want.Bytes:
		c.err = &CorruptError{Key: c.key, Reason: fmt.Sprintf("it is longer than the %d bytes the manifest says", c.want.Bytes)}
	case errors.Is(err, io.EOF) || errors.Is(err, sinks.ErrCorrupt):
		// The sink's own check reports at the end of the object too; the
		// manifest is the authority on what the object should hold.
		c.err = c.verdict()
	case err != nil:
		c.err, c.ioErr = fmt.Errorf("read %s: %w", c.key, err), true
	}
	if c.err != nil {
		return n, c.err
	}
	return n, nil
}

func (c *checkReader) verdict() error {
	if c.n != c.want.Bytes {
		return &CorruptError{Key: c.key, Reason: fmt.Sprintf("it is %d bytes, the manifest says %d (truncated or replaced?)", c.n, c.want.Bytes)}
	}
	if got := hex.EncodeToString(c.h.Sum(nil)); got != c.want.SHA256 {
		return &CorruptError{Key: c.key, Reason: fmt.Sprintf("its SHA-256 is %s, the manifest says %s", got, c.want.SHA256)}
	}
	return io.EOF
}

// drain reads the rest of the stored stream and returns the verdict: nil
// when it matched the manifest.
func (c *checkReader) drain() error {
	if c.err == nil {
		_, _ = io.Copy(io.Discard, c)
	}
	if errors.Is(c.err, io.EOF) {
		return nil
	}
	return c.err
}
