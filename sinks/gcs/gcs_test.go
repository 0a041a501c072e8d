package gcs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"os"
	"strings"
	"testing"

	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// fake-gcs-server (v1.52.2) differs from real GCS in ways these tests meet:
//   - it answers 404 "Not Found" for a missing bucket and a missing object
//     alike (GCS: "The specified bucket does not exist." / "No such object"),
//     so the sink probes with a one-item listing (errors.go);
//   - it ignores ifGenerationMatch on PATCH and DELETE (GCS: 412), so the
//     superseded-Put path is tested against a stub (stub_test.go);
//   - its PATCH response lacks timeCreated (GCS returns the whole object);
//   - it recomputes CRC32C and MD5 of the whole object on every resumable
//     chunk, so big uploads take quadratic time (memory_test.go);
//   - it does not authenticate and never fails on purpose: 401, 403, 429 and
//     5xx are tested against a stub.
func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// testURL returns the URL of a fresh bucket on the shared fake-gcs-server.
func testURL(t *testing.T, prefix string) string {
	t.Helper()
	srv := testenv.FakeGCS(t)
	return "gs://" + srv.NewBucket(t) + "/" + prefix + "?endpoint=" + url.QueryEscape(srv.Endpoint)
}

func openURL(t *testing.T, raw string, opts sinks.Options) (sinks.Sink, error) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return Open(context.Background(), u, opts.WithDefaults())
}

// newTestSink opens a sink on a fresh bucket; the test closes it.
func newTestSink(t *testing.T, opts sinks.Options) *sink {
	t.Helper()
	s, err := openURL(t, testURL(t, "backups/pl"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s.(*sink)
}

func TestSuite(t *testing.T) {
	t.Parallel()
	sinktest.Run(t, sinktest.Harness{
		New: func(t *testing.T) sinks.Sink {
			s, err := openURL(t, testURL(t, "backups/pl"), sinks.Options{PartSize: 8 << 20})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s
		},
		Corrupt:   corrupt,
		Leftovers: leftovers,
	})
}

// corrupt rewrites key's bytes behind the sink's back, keeping its metadata
// (and so its stored SHA-256).
func corrupt(t *testing.T, ss sinks.Sink, key string, truncate bool) {
	t.Helper()
	ctx := context.Background()
	s := ss.(*sink)
	obj := s.bucket.Object(s.object(key))
	attrs, err := obj.Attrs(ctx)
	if err != nil {
		t.Fatalf("corrupt %q: %v", key, err)
	}
	r, err := obj.NewReader(ctx)
	if err != nil {
		t.Fatalf("corrupt %q: %v", key, err)
	}
	data, err := io.ReadAll(r)
	r.Close()
	if err != nil || len(data) == 0 {
		t.Fatalf("corrupt %q: read %d bytes: %v", key, len(data), err)
	}
	if truncate {
		data = data[:len(data)-1]
	} else {
		data[len(data)/2] ^= 0x40
	}
	w := obj.NewWriter(ctx)
	w.Metadata = attrs.Metadata
	if _, err := io.Copy(w, bytes.NewReader(data)); err != nil {
		t.Fatalf("corrupt %q: %v", key, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("corrupt %q: %v", key, err)
	}
}

// leftovers lists every object in the sink's bucket whose upload never
// completed (still carrying the pending marker). Unfinished resumable
// sessions create no object at all, in GCS as in fake-gcs-server.
func leftovers(t *testing.T, ss sinks.Sink) []string {
	t.Helper()
	return rawNames(t, ss.(*sink), true)
}

// rawNames lists the bucket's object names, bypassing the sink's filtering.
func rawNames(t *testing.T, s *sink, pendingOnly bool) []string {
	t.Helper()
	var names []string
	it := s.bucket.Objects(context.Background(), &storage.Query{})
	for {
		attrs, err := it.Next()
		if err == iterator.Done {
			return names
		}
		if err != nil {
			t.Fatalf("list bucket %s: %v", s.name, err)
		}
		if !pendingOnly || pending(attrs) {
			names = append(names, attrs.Name)
		}
	}
}

func TestPutStoresSHA256Metadata(t *testing.T) {
	t.Parallel()
	s := newTestSink(t, sinks.Options{})
	ctx := context.Background()
	obj, err := s.Put(ctx, "a/b", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	const want = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
	if obj.SHA256 != want || obj.Size != 5 || obj.ModTime.IsZero() {
		t.Fatalf("Put returned %+v", obj)
	}
	attrs, err := s.bucket.Object("backups/pl/a/b").Attrs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := attrs.Metadata[sinks.MetadataSHA256]; got != want {
		t.Errorf("metadata %s = %q, want %q", sinks.MetadataSHA256, got, want)
	}
	st, err := s.Stat(ctx, "a/b")
	if err != nil || st != obj {
		t.Errorf("Stat = %+v, %v; want %+v (what Put returned)", st, err, obj)
	}
}

func TestPendingObjectIsInvisible(t *testing.T) {
	t.Parallel()
	s := newTestSink(t, sinks.Options{})
	ctx := context.Background()
	// What a crash between the upload and the metadata update leaves.
	w := s.bucket.Object(s.object("crashed")).NewWriter(ctx)
	w.Metadata = map[string]string{sinks.MetadataSHA256: pendingSHA256}
	if _, err := w.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "crashed"); !errors.Is(err, sinks.ErrNotExist) {
		t.Errorf("Stat = %v, want ErrNotExist", err)
	}
	if _, err := s.Open(ctx, "crashed"); !errors.Is(err, sinks.ErrNotExist) {
		t.Errorf("Open = %v, want ErrNotExist", err)
	}
	if err := s.List(ctx, "", func(o sinks.Object) error {
		t.Errorf("List shows %q", o.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := leftovers(t, s); len(got) != 1 {
		t.Errorf("leftovers = %v, want the crashed object", got)
	}
	// The next Put of the key replaces it; Delete removes it.
	if _, err := s.Put(ctx, "crashed", strings.NewReader("whole")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "crashed"); err != nil {
		t.Errorf("Stat after Put = %v", err)
	}
	if err := s.Delete(ctx, "crashed"); err != nil {
		t.Fatal(err)
	}
	if got := rawNames(t, s, false); len(got) != 0 {
		t.Errorf("bucket after Delete holds %v", got)
	}
}

func TestListSkipsForeignNames(t *testing.T) {
	t.Parallel()
	s := newTestSink(t, sinks.Options{})
	ctx := context.Background()
	// A console "folder", the prefix itself and a sibling of the prefix.
	for _, name := range []string{"backups/pl/dir/", "backups/pl", "backups/plx/k", "backups/pl/dir/k"} {
		w := s.bucket.Object(name).NewWriter(ctx)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	if err := s.List(ctx, "", func(o sinks.Object) error {
		keys = append(keys, o.Key)
		if o.SHA256 != "" {
			t.Errorf("object not written by pilotlight listed with SHA-256 %q", o.SHA256)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != "dir/k" {
		t.Errorf("List = %v, want [dir/k]", keys)
	}
	// Objects not written by pilotlight read back unverified.
	rc, err := s.Open(ctx, "dir/k")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, err := io.ReadAll(rc); err != nil || len(b) != 0 {
		t.Errorf("read %q, %v", b, err)
	}
}
