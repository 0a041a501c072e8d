package snapshot

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// Sealer encrypts a stream (internal/seal's NewWriter bound to a key).
type Sealer func(w io.Writer) (io.WriteCloser, error)

// objectWriter streams SQL text into one object: count, buffer, zstd,
// optionally encrypt, and hand to the sink through a pipe, so that nothing
// holds a whole object. One per worker; its encoder is reused.
type objectWriter struct {
	sink  sinks.Sink
	dir   string // snapshot directory, with trailing slash
	seal  Sealer
	enc   *zstd.Encoder
	buf   *bufio.Writer
	stall time.Duration
}

func newObjectWriter(sink sinks.Sink, dir string, seal Sealer, stall time.Duration) (*objectWriter, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(2), // compress while the next rows are read
		zstd.WithWindowSize(1<<20),
		zstd.WithEncoderCRC(true))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	if stall <= 0 {
		stall = DefaultStallTimeout
	}
	return &objectWriter{sink: sink, dir: dir, seal: seal, enc: enc, buf: bufio.NewWriterSize(nil, 256<<10), stall: stall}, nil
}

// countingWriter counts the SQL bytes written.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// write stores the SQL that fill writes as object key (relative to the
// snapshot directory). When fill or the sink fails, or the sink takes no
// data for the stall timeout, nothing is stored.
func (o *objectWriter) write(ctx context.Context, key string, fill func(w *bufio.Writer) error) (File, error) {
	ctx, wd := watch(ctx, o.stall, "storing "+key)
	defer wd.done()
	pr, pw := io.Pipe()
	type result struct {
		obj sinks.Object
		err error
	}
	res := make(chan result, 1)
	go func() {
		obj, err := o.sink.Put(ctx, o.dir+key, pr)
		pr.CloseWithError(err) // unblock the writer if the sink gave up early
		res <- result{obj, err}
	}()

	raw, err := o.encode(progressWriter{w: pw, wd: wd}, fill)
	pw.CloseWithError(err) // nil: EOF
	wd.progress()          // the sink now finishes the object: it gets the whole limit for that
	r := <-res
	if cause := context.Cause(ctx); errors.Is(cause, ErrStalled) {
		return File{}, cause
	}
	switch {
	case err != nil && r.err != nil && ctx.Err() == nil:
		// The sink's error explains an early stop of the writer best.
		return File{}, fmt.Errorf("store %s: %w", key, r.err)
	case err != nil:
		return File{}, fmt.Errorf("write %s: %w", key, err)
	case r.err != nil:
		return File{}, fmt.Errorf("store %s: %w", key, r.err)
	}
	return File{Key: key, RawBytes: raw, Bytes: r.obj.Size, SHA256: r.obj.SHA256}, nil
}

// encode runs fill through the compression (and encryption) chain into w
// and returns the SQL byte count.
func (o *objectWriter) encode(w io.Writer, fill func(w *bufio.Writer) error) (int64, error) {
	var sealed io.WriteCloser
	if o.seal != nil {
		s, err := o.seal(w)
		if err != nil {
			return 0, fmt.Errorf("encrypt: %w", err)
		}
		sealed, w = s, s
	}
	o.enc.Reset(w)
	cw := &countingWriter{w: o.enc}
	o.buf.Reset(cw)
	if err := fill(o.buf); err != nil {
		return 0, err
	}
	if err := o.buf.Flush(); err != nil {
		return 0, err
	}
	if err := o.enc.Close(); err != nil {
		return 0, fmt.Errorf("compress: %w", err)
	}
	if sealed != nil {
		if err := sealed.Close(); err != nil {
			return 0, fmt.Errorf("encrypt: %w", err)
		}
	}
	return cw.n, nil
}
