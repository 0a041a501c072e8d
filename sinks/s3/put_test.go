package s3

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// roundTrip puts Data(seed, size) under key and checks Put, Stat and Open.
func roundTrip(t *testing.T, s *sink, key string, seed uint64, size int64) {
	t.Helper()
	ctx := context.Background()
	want := sinktest.DataSHA256(t, seed, size)
	obj, err := s.Put(ctx, key, sinktest.Data(seed, size))
	if err != nil {
		t.Fatalf("Put(%q, %d bytes): %v", key, size, err)
	}
	if obj.Size != size || obj.SHA256 != want || obj.ModTime.IsZero() {
		t.Errorf("Put(%q) = %+v, want size %d sha %s", key, obj, size, want)
	}
	st, err := s.Stat(ctx, key)
	if err != nil || st.Size != size || st.SHA256 != want || !st.ModTime.Equal(obj.ModTime) {
		t.Errorf("Stat(%q) = %+v, %v; want size %d sha %s mtime %v", key, st, err, size, want, obj.ModTime)
	}
	rc, err := s.Open(ctx, key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	got, n, err := sinktest.ReadSHA256(rc)
	if err != nil || got != want || n != size {
		t.Errorf("read back %q: %d bytes sha %s err %v", key, n, got, err)
	}
}

func forEachServer(t *testing.T, fn func(t *testing.T, s *sink), opts sinks.Options, tc testConfig) {
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			t.Parallel()
			s := newTestSink(t, srv.get(t), opts, tc)
			fn(t, s)
			if left := leftovers(t, s); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

// TestPartBoundaries crosses the single-PutObject / staged-upload boundary.
func TestPartBoundaries(t *testing.T) {
	t.Parallel()
	const part = 5 << 20
	forEachServer(t, func(t *testing.T, s *sink) {
		for i, size := range []int64{0, 1, part - 1, part, part + 1, 2 * part, 2*part + 3} {
			roundTrip(t, s, "sizes/obj", uint64(i), size)
		}
	}, sinks.Options{PartSize: part, Concurrency: 2}, testConfig{})
}

func TestConcurrencyOne(t *testing.T) {
	t.Parallel()
	forEachServer(t, func(t *testing.T, s *sink) {
		roundTrip(t, s, "one/at/a/time", 1, 16<<20+5)
	}, sinks.Options{PartSize: 5 << 20, Concurrency: 1}, testConfig{})
}

// TestMultipartCopy takes the path of objects over 5 GiB (UploadPartCopy)
// with a lowered threshold.
func TestMultipartCopy(t *testing.T) {
	t.Parallel()
	forEachServer(t, func(t *testing.T, s *sink) {
		roundTrip(t, s, "big/copy", 2, 17<<20+11)
		roundTrip(t, s, "big/copy", 3, 11<<20) // overwrite
	}, sinks.Options{PartSize: 5 << 20}, testConfig{copyThreshold: 1, copyPartSize: 5 << 20})
}

// TestStagingHidden: staged uploads, directory markers and names that are
// not keys stay out of List, and the staging directory cannot be written.
func TestStagingHidden(t *testing.T) {
	t.Parallel()
	forEachServer(t, func(t *testing.T, s *sink) {
		ctx := context.Background()
		names := []string{s.full(tmpDir + "/stray"), s.full("dir/"), s.full("a//b"), s.full("x/" + tmpDir + "/y")}
		for _, name := range names {
			if _, err := s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.loc.bucket, Key: aws.String(name), Body: strings.NewReader("x")}); err != nil {
				t.Logf("the server refuses the name %q: %v", name, err) // MinIO: a//b
			}
		}
		roundTrip(t, s, "dir/real", 1, 10)
		var keys []string
		if err := s.List(ctx, "", func(o sinks.Object) error { keys = append(keys, o.Key); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(keys) != 1 || keys[0] != "dir/real" {
			t.Errorf("List = %q, want only dir/real", keys)
		}
		for _, key := range []string{tmpDir + "/stray", "x/" + tmpDir + "/y"} {
			if _, err := s.Put(ctx, key, strings.NewReader("x")); !errors.Is(err, sinks.ErrBadURL) {
				t.Errorf("Put(%q) = %v, want ErrBadURL", key, err)
			}
		}
		for _, name := range names {
			_, _ = s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.loc.bucket, Key: aws.String(name)})
		}
	}, sinks.Options{}, testConfig{})
}

func TestClosed(t *testing.T) {
	t.Parallel()
	srv := servers[0].get(t)
	s := newTestSink(t, srv, sinks.Options{}, testConfig{})
	roundTrip(t, s, "k", 1, 100)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Put(ctx, "k", strings.NewReader("x")); err == nil {
		t.Error("Put after Close succeeded")
	}
	if _, err := s.Stat(ctx, "k"); err == nil {
		t.Error("Stat after Close succeeded")
	}
	if err := s.List(ctx, "", func(sinks.Object) error { return nil }); err == nil {
		t.Error("List after Close succeeded")
	}
}
