package gcs

import (
	"context"
	"errors"
	"fmt"
	"io"

	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// openAttempts bounds how often Open starts again when the generation it
// looked up is replaced by a concurrent Put before the download starts.
const openAttempts = 3

// Open reads the generation whose attributes it looked up, so the SHA-256
// checked and the bytes read always belong together, even while another Put
// replaces the key.
func (s *sink) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := sinks.ValidateKey(key); err != nil {
		return nil, err
	}
	var lastErr error
	for range openAttempts {
		attrs, err := s.attrs(ctx, key, opGet)
		if err != nil {
			return nil, err
		}
		// ReadCompressed: with Content-Encoding gzip, GCS would otherwise
		// decompress on the fly and the bytes would not be the stored ones.
		r, err := s.bucket.Object(attrs.Name).Generation(attrs.Generation).ReadCompressed(true).NewReader(ctx)
		if errors.Is(err, storage.ErrObjectNotExist) {
			lastErr = err // replaced or deleted since attrs: look again
			continue
		}
		if err != nil {
			return nil, s.mapErr(ctx, err, opGet, key)
		}
		rc := &mappingReader{ctx: ctx, r: r, s: s, key: key}
		return sinks.VerifyingReader(key, attrs.Metadata[sinks.MetadataSHA256], attrs.Size, rc), nil
	}
	return nil, s.mapErr(ctx, lastErr, opGet, key)
}

// Stat describes key.
func (s *sink) Stat(ctx context.Context, key string) (sinks.Object, error) {
	if err := sinks.ValidateKey(key); err != nil {
		return sinks.Object{}, err
	}
	attrs, err := s.attrs(ctx, key, opGet)
	if err != nil {
		return sinks.Object{}, err
	}
	return toObject(key, attrs), nil
}

// attrs returns the attributes of key, hiding objects that are still being
// written (see pendingSHA256).
func (s *sink) attrs(ctx context.Context, key string, op operation) (*storage.ObjectAttrs, error) {
	attrs, err := s.bucket.Object(s.object(key)).Attrs(ctx)
	if err != nil {
		return nil, s.mapErr(ctx, err, op, key)
	}
	if pending(attrs) {
		return nil, s.notExist(op, key)
	}
	return attrs, nil
}

// List calls fn for every complete object under prefix, in lexical order
// (GCS lists names in lexical order of their UTF-8 bytes).
func (s *sink) List(ctx context.Context, prefix string, fn func(sinks.Object) error) error {
	q := &storage.Query{Prefix: sinks.JoinPrefix(s.prefix, prefix)}
	if err := q.SetAttrSelection([]string{"Name", "Size", "Created", "Updated", "Metadata"}); err != nil {
		return fmt.Errorf("%s: list %q: %w", s.url, prefix, err)
	}
	it := s.bucket.Objects(ctx, q)
	for {
		attrs, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return nil
		}
		if err != nil {
			return s.mapErr(ctx, err, opList, prefix)
		}
		key, ok := s.keyOf(attrs.Name)
		if !ok || sinks.ValidateKey(key) != nil {
			continue // folder placeholders ("dir/") and names outside the prefix
		}
		if pending(attrs) {
			s.log.Debug("gcs list: skipping an object whose upload has not completed", "object", attrs.Name)
			continue
		}
		if err := fn(toObject(key, attrs)); err != nil {
			return err
		}
	}
}

// Delete removes key; a missing key is not an error.
func (s *sink) Delete(ctx context.Context, key string) error {
	if err := sinks.ValidateKey(key); err != nil {
		return err
	}
	// Deleting twice is harmless here, so let the SDK retry it.
	err := s.bucket.Object(s.object(key)).Retryer(storage.WithPolicy(storage.RetryAlways)).Delete(ctx)
	if err == nil {
		return nil
	}
	err = s.mapErr(ctx, err, opDelete, key)
	if errors.Is(err, sinks.ErrNotExist) {
		return nil
	}
	return err
}

func pending(attrs *storage.ObjectAttrs) bool {
	return attrs.Metadata[sinks.MetadataSHA256] == pendingSHA256
}

func toObject(key string, attrs *storage.ObjectAttrs) sinks.Object {
	return sinks.Object{
		Key:     key,
		Size:    attrs.Size,
		ModTime: modTime(attrs),
		SHA256:  attrs.Metadata[sinks.MetadataSHA256],
	}
}

// mappingReader turns download errors into the sink's errors.
type mappingReader struct {
	ctx context.Context // Open's, which the download runs under anyway
	r   *storage.Reader
	s   *sink
	key string
}

func (m *mappingReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		err = m.s.mapErr(m.ctx, err, opGet, m.key)
	}
	return n, err
}

func (m *mappingReader) Close() error { return m.r.Close() }
