package gcs

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// breakAfter yields n bytes of data, then calls fail and returns its error.
type breakAfter struct {
	r    io.Reader
	left int64
	fail func() error
}

func (b *breakAfter) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, b.fail()
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// An aborted upload creates no object at all, not even a hidden one: the
// resumable session (or the single-request upload) is never finalized.
func TestAbortedUploadCreatesNoObject(t *testing.T) {
	t.Parallel()
	s := newTestSink(t, sinks.Options{PartSize: 256 << 10})
	boom := errors.New("source broke")
	for _, size := range []int64{100, 3 << 20} { // one request; several chunks
		ctx, cancel := context.WithCancel(context.Background())
		_, err := s.Put(ctx, "cancelled", &breakAfter{r: sinktest.Data(1, size+1), left: size, fail: func() error {
			cancel()
			return ctx.Err()
		}})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Put cancelled after %d bytes = %v, want context.Canceled", size, err)
		}
		_, err = s.Put(context.Background(), "broken", &breakAfter{r: sinktest.Data(1, size+1), left: size, fail: func() error { return boom }})
		if !errors.Is(err, boom) {
			t.Errorf("Put with a reader failing after %d bytes = %v, want the reader's error", size, err)
		}
	}
	if names := rawNames(t, s, false); len(names) != 0 {
		t.Errorf("bucket holds %v after aborted uploads, want nothing", names)
	}
}

// Open returns the stored bytes of an object stored gzip-encoded, which GCS
// would otherwise decompress on the fly (decompressive transcoding).
func TestOpenGzipEncodedObject(t *testing.T) {
	t.Parallel()
	s := newTestSink(t, sinks.Options{})
	ctx := context.Background()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(strings.Repeat("pilotlight ", 1000)))
	_ = zw.Close()
	sum := sha256.Sum256(buf.Bytes())

	w := s.bucket.Object(s.object("z.gz")).NewWriter(ctx)
	w.ContentEncoding = "gzip"
	w.ContentType = "text/plain"
	w.Metadata = map[string]string{sinks.MetadataSHA256: hex.EncodeToString(sum[:])}
	if _, err := w.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Open(ctx, "z.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("read %d bytes (%v), want the %d stored gzip bytes", len(got), err, buf.Len())
	}
}

// STORAGE_EMULATOR_HOST works as with the SDK (not parallel: it sets the
// environment).
func TestEmulatorHostEnv(t *testing.T) {
	srv := testenv.FakeGCS(t)
	bucket := srv.NewBucket(t)
	t.Setenv("STORAGE_EMULATOR_HOST", srv.Endpoint)
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/ignored-by-emulator-mode.json")
	s, err := openURL(t, "gs://"+bucket+"/env", sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Put(ctx, "k", strings.NewReader("via env")); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Open(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, err := io.ReadAll(rc); err != nil || string(b) != "via env" {
		t.Errorf("read %q, %v", b, err)
	}
	// An unreachable emulator is named in the error.
	t.Setenv("STORAGE_EMULATOR_HOST", "127.0.0.1:1")
	s2, err := openURL(t, "gs://"+bucket+"/env", sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	_, err = s2.Stat(ctx, "k")
	checkErr(t, "Stat", err, sinks.ErrUnreachable, "127.0.0.1:1")
}
