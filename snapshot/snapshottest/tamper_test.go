package snapshottest_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/seal"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/file"
	"github.com/pilotlight-dr/pilotlight/snapshot"
	"github.com/pilotlight-dr/pilotlight/snapshot/snapshottest"
)

// chunkFiles are the data chunks of shop.orders, in load order.
func chunkFiles(m *snapshot.Manifest) []snapshot.File {
	var out []snapshot.File
	for _, c := range m.Schemas[0].Tables[3].Chunks {
		out = append(out, c.File)
	}
	return out
}

// TestVerifyNamesDamage damages objects of a plain and a sealed snapshot in
// every way and checks Verify and OpenFile name the object and the damage.
func TestVerifyNamesDamage(t *testing.T) {
	for _, b := range backendsUnderTest()[:2] { // file and S3; the others share this code
		for _, sealed := range []bool{false, true} {
			name := b.name + "/plain"
			var key *seal.Key
			if sealed {
				name, key = b.name+"/sealed", testKey(t, 9)
			}
			t.Run(name, func(t *testing.T) {
				s := b.open(t)
				ctx := context.Background()
				m := snapshottest.Write(t, s, snapshottest.Options{Time: day0, Key: key})
				chunks := chunkFiles(m)
				full := func(f snapshot.File) string { return snapshot.Dir(m.ID) + f.Key }

				snapshottest.Rewrite(t, s, full(chunks[2]), flipByte(60)) // last chunk: a flipped byte
				snapshottest.Rewrite(t, s, full(chunks[1]), truncate(7))  // middle chunk: truncated
				snapshottest.Rewrite(t, s, full(m.Schemas[1].Create), func(b []byte) []byte { return append(b, 'x') })
				if err := s.Delete(ctx, full(*m.Schemas[0].Objects)); err != nil {
					t.Fatal(err)
				}
				rep, err := snapshot.Verify(ctx, s, m, snapshot.VerifyOptions{Key: key, Parallel: 3})
				for _, f := range rep.Failures {
					t.Logf("%v", f.Err)
				}
				if len(rep.Failures) != 4 {
					t.Fatalf("%d failures, want 4: %+v", len(rep.Failures), rep.Failures)
				}
				// Manifest (load) order: orders chunk 2, chunk 3, the view, crm's CREATE DATABASE.
				want := []struct {
					f    snapshot.File
					what string
				}{
					{chunks[1], "manifest says"},
					{chunks[2], "SHA-256"},
					{*m.Schemas[0].Objects, "is missing"},
					{m.Schemas[1].Create, "longer than"},
				}
				for i, w := range want {
					got := rep.Failures[i]
					if got.File.Key != w.f.Key || !strings.Contains(got.Err.Error(), full(w.f)) || !strings.Contains(got.Err.Error(), w.what) {
						t.Errorf("failure %d: %s: %v; want %s: %q", i, got.File.Key, got.Err, w.f.Key, w.what)
					}
				}
				if !errors.Is(err, sinks.ErrCorrupt) || !strings.Contains(err.Error(), full(chunks[1])) {
					t.Fatalf("Verify error %v, want the first bad object", err)
				}
				if !errors.Is(rep.Failures[2].Err, sinks.ErrNotExist) {
					t.Errorf("missing object: %v", rep.Failures[2].Err)
				}
				if strings.Contains(err.Error(), "bad manifest") {
					t.Errorf("damage reported as a manifest problem: %v", err)
				}

				// OpenFile ends the stream with the same verdict.
				rc, err := snapshot.OpenFile(ctx, s, m, chunks[2], key)
				if err == nil {
					_, err = io.Copy(io.Discard, rc)
					rc.Close()
				}
				var ce *snapshot.CorruptError
				if !errors.As(err, &ce) || ce.Key != full(chunks[2]) || !errors.Is(err, sinks.ErrCorrupt) {
					t.Fatalf("OpenFile of a damaged chunk: %v", err)
				}
			})
		}
	}
}

// TestVerifyFileOnDisk damages the files of a file:// snapshot behind the
// sink's back, as a disk or a careless rsync would.
func TestVerifyFileOnDisk(t *testing.T) {
	dir := t.TempDir()
	s, err := file.New(dir, sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := snapshottest.Write(t, s, snapshottest.Options{Time: day0})
	chunks := chunkFiles(m)
	path := func(f snapshot.File) string { return filepath.Join(dir, filepath.FromSlash(snapshot.Dir(m.ID)+f.Key)) }
	b, _ := os.ReadFile(path(chunks[0]))
	b[len(b)/2] ^= 0x01
	os.WriteFile(path(chunks[0]), b, 0o644)
	os.Truncate(path(chunks[2]), 10)

	rep, err := snapshot.Verify(context.Background(), s, m, snapshot.VerifyOptions{})
	if len(rep.Failures) != 2 || rep.Failures[0].File.Key != chunks[0].Key || rep.Failures[1].File.Key != chunks[2].Key {
		t.Fatalf("failures %+v", rep.Failures)
	}
	if !errors.Is(err, sinks.ErrCorrupt) || !strings.Contains(err.Error(), chunks[0].Key) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(rep.Failures[1].Err.Error(), "10 bytes, the manifest says") {
		t.Errorf("truncated chunk: %v", rep.Failures[1].Err)
	}
}

// TestVerifyStopsOnSinkFailure: an error that is not about one object ends
// Verify at once, as itself.
func TestVerifyStopsOnSinkFailure(t *testing.T) {
	dir := t.TempDir()
	s, err := file.New(dir, sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := snapshottest.Write(t, s, snapshottest.Options{Time: day0})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := snapshot.Verify(ctx, s, m, snapshot.VerifyOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Verify: %v", err)
	}
}

// TestOpenFileBadContent: bytes that match the manifest but are not what
// the format says (a writer bug) are reported as corrupt, naming the object.
func TestOpenFileBadContent(t *testing.T) {
	s, err := file.New(t.TempDir(), sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := snapshottest.Write(t, s, snapshottest.Options{Time: day0})
	f := m.Files()[0]
	key := snapshot.Dir(m.ID) + f.Key
	obj, err := s.Put(context.Background(), key, strings.NewReader("CREATE DATABASE x; -- not zstd"))
	if err != nil {
		t.Fatal(err)
	}
	f.Bytes, f.SHA256 = obj.Size, obj.SHA256
	rc, err := snapshot.OpenFile(context.Background(), s, m, f, nil)
	if err == nil {
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
	}
	if !errors.Is(err, sinks.ErrCorrupt) || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "match the manifest but do not decompress") {
		t.Fatalf("err = %v", err)
	}
	// The SQL size is checked too.
	f = m.Files()[1]
	f.RawBytes++
	rc, err = snapshot.OpenFile(context.Background(), s, m, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, rc)
	rc.Close()
	if !errors.Is(err, sinks.ErrCorrupt) || !strings.Contains(err.Error(), "bytes of SQL, the manifest says") {
		t.Fatalf("raw size: %v", err)
	}
}
