package gcs

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"sync"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// pendingSHA256 is the value of sinks.MetadataSHA256 while an object is being
// written. GCS fixes user metadata when an upload starts, but the SHA-256 is
// known only at its end, so Put uploads with this marker and then replaces it
// with the real SHA-256 in a metadata-only update conditioned on the
// generation it just wrote. Stat, Open and List treat a marked object as
// absent, so a Put becomes visible through the sink at the instant its
// SHA-256 is stored; an object left marked by a crash stays invisible (and is
// replaced by the next Put of its key, or removed by Delete).
const pendingSHA256 = "pending-upload"

// cleanupTimeout bounds the removal of a half-written object, which runs even
// when the caller's context is already cancelled.
const cleanupTimeout = 30 * time.Second

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Put streams r into key through a resumable upload that buffers one chunk
// (Options.PartSize), so memory is bounded whatever the size of r.
func (s *sink) Put(ctx context.Context, key string, r io.Reader) (sinks.Object, error) {
	if err := sinks.ValidateKey(key); err != nil {
		return sinks.Object{}, err
	}
	// Chunks are buffered by the SDK, so retrying one is safe even though the
	// upload has no precondition (the SDK only retries idempotent calls by
	// default). The budget bounds retries without progress, which the SDK
	// would otherwise repeat until ctx ends for a single-request upload.
	budget := &retryBudget{max: uploadRetries, left: uploadRetries}
	obj := s.bucket.Object(s.object(key)).Retryer(storage.WithPolicy(storage.RetryAlways), storage.WithErrorFunc(budget.retry))

	// Cancelling wctx before Close aborts the upload: the resumable session is
	// never finalized, so no object is created (GCS discards unfinished
	// sessions after a week; they are never visible).
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := obj.NewWriter(wctx)
	w.ChunkSize = s.chunkSize
	w.ContentType = "application/octet-stream"
	w.Metadata = map[string]string{sinks.MetadataSHA256: pendingSHA256}
	w.ProgressFunc = budget.progress

	hr := sinks.NewHashingReader(r)
	crc := crc32.New(castagnoli)
	src := &sourceReader{r: io.TeeReader(hr, crc)}
	if _, err := io.Copy(w, src); err != nil {
		cancel()
		_ = w.Close()
		if src.err != nil {
			return sinks.Object{}, fmt.Errorf("%s: put %q: reading the data to upload: %w", s.url, key, src.err)
		}
		return sinks.Object{}, s.mapErr(ctx, err, opPut, key)
	}
	if err := w.Close(); err != nil {
		return sinks.Object{}, s.mapErr(ctx, err, opPut, key)
	}
	attrs := w.Attrs()
	if err := s.checkUpload(key, attrs, hr, crc); err != nil {
		s.discard(ctx, key, attrs.Generation)
		return sinks.Object{}, err
	}
	sum := hr.Sum()
	budget.progress(0) // a fresh retry budget for the update
	_, err := obj.If(storage.Conditions{GenerationMatch: attrs.Generation}).Update(ctx, storage.ObjectAttrsToUpdate{
		Metadata: map[string]string{sinks.MetadataSHA256: sum},
	})
	if superseded(err) {
		// A concurrent Put (or Delete) replaced this generation before its
		// SHA-256 was stored: as if this Put had completed just before it.
		// (fake-gcs-server ignores ifGenerationMatch on PATCH and DELETE, so
		// only real GCS gets here.)
		s.log.Debug("gcs put: superseded by a concurrent write", "key", key, "generation", attrs.Generation)
	} else if err != nil {
		s.discard(ctx, key, attrs.Generation)
		return sinks.Object{}, s.mapErr(ctx, err, opUpdate, key)
	}
	s.log.Debug("gcs put", "key", key, "size", attrs.Size, "generation", attrs.Generation)
	// The upload's attributes, not the update's: a metadata update changes
	// neither the content nor its creation time. (fake-gcs-server's PATCH
	// response also lacks timeCreated; real GCS returns it unchanged.)
	return sinks.Object{Key: key, Size: attrs.Size, ModTime: modTime(attrs), SHA256: sum}, nil
}

// superseded reports that the generation being completed is no longer the
// live one (precondition failed, or deleted).
func superseded(err error) bool {
	var gerr *googleapi.Error
	if errors.As(err, &gerr) && gerr.Code == http.StatusPreconditionFailed {
		return true
	}
	return errors.Is(err, storage.ErrObjectNotExist) && !(errors.As(err, &gerr) && bucketMissing(gerr))
}

// checkUpload compares what GCS stored with what was read: same length and
// same CRC32C, so the SHA-256 computed here describes the stored bytes.
func (s *sink) checkUpload(key string, attrs *storage.ObjectAttrs, hr *sinks.HashingReader, crc hash.Hash32) error {
	if attrs.Size != hr.Size() {
		return fmt.Errorf("%s: put %q: GCS stored %d bytes but %d were sent; the upload was discarded, try again", s.url, key, attrs.Size, hr.Size())
	}
	if attrs.CRC32C != crc.Sum32() {
		return sinks.Transient(fmt.Errorf("%s: put %q: GCS stored CRC32C %08x but the data sent has %08x (corrupted in transit); the upload was discarded, try again", s.url, key, attrs.CRC32C, crc.Sum32()))
	}
	return nil
}

// discard deletes the generation Put just wrote when it could not complete
// it. It runs even if ctx is cancelled; if it fails the object keeps its
// pending marker and stays invisible through the sink.
func (s *sink) discard(ctx context.Context, key string, gen int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	err := s.bucket.Object(s.object(key)).If(storage.Conditions{GenerationMatch: gen}).Delete(ctx)
	if err == nil || errors.Is(err, storage.ErrObjectNotExist) {
		return
	}
	s.log.Warn("gcs: could not delete an incomplete upload; it stays hidden from pilotlight until the key is written or deleted again",
		"object", s.object(key), "generation", gen, "error", s.mapErr(ctx, err, opDelete, key))
}

// uploadRetries is how often one upload request (or chunk) is retried
// without progress: with the SDK's backoff (1 s doubling to 30 s), about a
// minute.
const uploadRetries = 6

// retryBudget is the SDK's retry predicate with a limit on retries in a row;
// every uploaded chunk restores the budget.
type retryBudget struct {
	mu   sync.Mutex
	max  int
	left int
}

func (b *retryBudget) retry(err error) bool {
	if !shouldRetry(err) {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left <= 0 {
		return false
	}
	b.left--
	return true
}

func (b *retryBudget) progress(int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.left = b.max
}

// sourceReader remembers the caller's read error so that Put can tell it
// from an upload error.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

func modTime(a *storage.ObjectAttrs) time.Time {
	if !a.Created.IsZero() {
		return a.Created // when this content (generation) was written
	}
	return a.Updated
}
