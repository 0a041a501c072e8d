package s3

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// tempFile writes Data(seed, size) to a file and returns it open.
func tempFile(t *testing.T, seed uint64, size int64) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "src.bin")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, sinktest.Data(seed, size)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// A local file goes up as one multipart upload that carries its SHA-256
// from the start: no staging object, checksum stored, content intact.
func TestPutFromFile(t *testing.T) {
	opts := sinks.Options{PartSize: 5 << 20, Concurrency: 3}
	forEachServer(t, func(t *testing.T, s *sink) {
		ctx := context.Background()
		for _, size := range []int64{3 << 20, 23<<20 + 3} { // one request; five parts
			want := sinktest.DataSHA256(t, 11, size)
			obj, err := s.Put(ctx, "file/obj", tempFile(t, 11, size))
			if err != nil {
				t.Fatalf("Put from a %d-byte file: %v", size, err)
			}
			if obj.SHA256 != want || obj.Size != size {
				t.Errorf("Put = %+v, want %d bytes sha %s", obj, size, want)
			}
			st, err := s.Stat(ctx, "file/obj")
			if err != nil || st.SHA256 != want {
				t.Errorf("Stat = %+v, %v; want the stored SHA-256 %s", st, err, want)
			}
			rc, err := s.Open(ctx, "file/obj")
			if err != nil {
				t.Fatal(err)
			}
			got, n, err := sinktest.ReadSHA256(rc)
			rc.Close()
			if err != nil || got != want || n != size {
				t.Errorf("read back %d bytes sha %s err %v", n, got, err)
			}
		}
	}, opts, testConfig{})
}

// cancelAt is a file whose parallel reads cancel ctx once limit bytes were read.
type cancelAt struct {
	*os.File
	read   atomic.Int64
	limit  int64
	cancel context.CancelFunc
}

func (c *cancelAt) ReadAt(p []byte, off int64) (int, error) {
	if c.read.Add(int64(len(p))) > c.limit {
		c.cancel()
	}
	return c.File.ReadAt(p, off)
}

// Cancelling a file upload mid-way leaves no object and no pending upload,
// and an object already under the key stays as it was.
func TestPutFromFileCancelled(t *testing.T) {
	opts := sinks.Options{PartSize: 5 << 20, Concurrency: 2}
	forEachServer(t, func(t *testing.T, s *sink) {
		roundTrip(t, s, "file/keep", 3, 1000)
		for _, key := range []string{"file/new", "file/keep"} {
			ctx, cancel := context.WithCancel(context.Background())
			const size = 40 << 20
			// The checksum pass reads the whole file; cancel two parts into the upload.
			src := &cancelAt{File: tempFile(t, 12, size), limit: size + 10<<20, cancel: cancel}
			_, err := s.Put(ctx, key, src)
			cancel()
			if err == nil {
				t.Fatalf("Put(%q) cancelled mid-upload succeeded", key)
			}
		}
		if _, err := s.Stat(context.Background(), "file/new"); !errors.Is(err, sinks.ErrNotExist) {
			t.Errorf("Stat of a cancelled upload = %v, want ErrNotExist", err)
		}
		st, err := s.Stat(context.Background(), "file/keep")
		if err != nil || st.Size != 1000 {
			t.Errorf("the object under a key whose overwrite was cancelled: %+v, %v; want the old 1000 bytes", st, err)
		}
	}, opts, testConfig{})
}
