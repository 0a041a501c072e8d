package snapshottest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/seal"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/snapshot"
	"github.com/pilotlight-dr/pilotlight/snapshot/snapshottest"
)

var day0 = time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)

func testKey(t *testing.T, fill byte) *seal.Key {
	t.Helper()
	k, err := seal.NewKey(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &k
}

// readAll returns the SQL of every object of m, in load order.
func readAll(t *testing.T, s sinks.Sink, m *snapshot.Manifest, key *seal.Key) string {
	t.Helper()
	var b strings.Builder
	for _, f := range m.Files() {
		rc, err := snapshot.OpenFile(context.Background(), s, m, f, key)
		if err != nil {
			t.Fatalf("open %s: %v", f.Key, err)
		}
		n, err := io.Copy(&b, rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s: %v", f.Key, err)
		}
		if n != f.RawBytes {
			t.Fatalf("%s: %d bytes of SQL, manifest says %d", f.Key, n, f.RawBytes)
		}
	}
	return b.String()
}

// TestCatalog writes snapshots, an incomplete one and a broken one to each
// store and reads them back through List, Load, OpenFile and Verify.
func TestCatalog(t *testing.T) {
	for _, b := range backendsUnderTest() {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)
			ctx := context.Background()
			if es, inc, err := snapshot.List(ctx, s); err != nil || len(es) != 0 || inc != 0 {
				t.Fatalf("empty sink: %v %d %v", es, inc, err)
			}
			_, err := snapshot.Load(ctx, s, snapshot.Latest)
			if !errors.Is(err, snapshot.ErrNotFound) || !strings.Contains(err.Error(), "holds no snapshots") {
				t.Fatalf("latest on an empty sink: %v", err)
			}

			// Written out of order: List sorts by time.
			m2 := snapshottest.Write(t, s, snapshottest.Options{Time: day0.Add(24 * time.Hour)})
			m1 := snapshottest.Write(t, s, snapshottest.Options{Time: day0, GTIDSet: "0-1-50"})
			m3 := snapshottest.Write(t, s, snapshottest.Options{Time: day0.Add(48 * time.Hour), Key: testKey(t, 1)})
			inc := snapshottest.WriteIncomplete(t, s, snapshottest.Options{Time: day0.Add(72 * time.Hour)})
			bad := snapshot.NewID(day0.Add(-time.Hour))
			if _, err := s.Put(ctx, snapshot.ManifestKey(bad), strings.NewReader(`{"format_version": 1, "id": "x"`)); err != nil {
				t.Fatal(err)
			}

			es, n, err := snapshot.List(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if n != 1 || len(es) != 4 {
				t.Fatalf("List: %d entries, %d incomplete", len(es), n)
			}
			if es[0].ID != bad || es[0].Good() || !errors.Is(es[0].Err, snapshot.ErrBadManifest) {
				t.Fatalf("broken manifest entry: %+v", es[0])
			}
			for i, m := range []*snapshot.Manifest{m1, m2, m3} {
				e := es[i+1]
				if e.ID != m.ID || !e.Good() || !e.Time.Equal(m.Started) || e.Manifest.GTIDSet != m.GTIDSet {
					t.Fatalf("entry %d: %+v, want %s", i+1, e, m.ID)
				}
			}
			c, err := snapshot.Scan(ctx, s)
			if err != nil || c.Incomplete[0].ID != inc.ID || c.Incomplete[0].Objects != len(inc.Files()) || c.Incomplete[0].LastWrite.IsZero() {
				t.Fatalf("Scan incomplete: %+v %v", c.Incomplete, err)
			}

			// Load by id, prefix, random suffix and latest.
			for _, id := range []string{m2.ID, m2.ID[:12], strings.SplitN(m2.ID, "-", 2)[1]} {
				got, err := snapshot.Load(ctx, s, id)
				if err != nil || got.ID != m2.ID {
					t.Fatalf("Load(%q): %v", id, err)
				}
			}
			if got, err := snapshot.Load(ctx, s, snapshot.Latest); err != nil || got.ID != m3.ID {
				t.Fatalf("latest: %v %v", got, err)
			}
			_, err = snapshot.Load(ctx, s, "20990101T000000Z-deadbeef")
			if !errors.Is(err, snapshot.ErrNotFound) || !strings.Contains(err.Error(), m3.ID+", "+m2.ID) ||
				!strings.Contains(err.Error(), "1 incomplete") {
				t.Fatalf("missing id: %v", err)
			}
			_, err = snapshot.Load(ctx, s, inc.ID)
			if !errors.Is(err, snapshot.ErrNotFound) || !strings.Contains(err.Error(), "has no manifest") {
				t.Fatalf("incomplete id: %v", err)
			}
			if _, err := snapshot.Load(ctx, s, "2026"); !strings.Contains(err.Error(), "matches 4 snapshots") {
				t.Fatalf("ambiguous prefix: %v", err)
			}
			if _, err := snapshot.Load(ctx, s, bad); !errors.Is(err, snapshot.ErrBadManifest) {
				t.Fatalf("broken manifest: %v", err)
			}
			if _, err := snapshot.Load(ctx, s, "../etc"); !errors.Is(err, snapshot.ErrNotFound) {
				t.Fatalf("path as id: %v", err)
			}

			// Content, plain and sealed.
			sql := readAll(t, s, m1, nil)
			for _, want := range []string{"CREATE DATABASE IF NOT EXISTS `shop`", "USE `shop`;", "(1500,", "O''Brien", "CREATE SQL SECURITY INVOKER VIEW"} {
				if !strings.Contains(sql, want) {
					t.Fatalf("SQL lacks %q", want)
				}
			}
			if got := readAll(t, s, m3, testKey(t, 1)); got != sql {
				t.Fatal("sealed snapshot reads back different SQL")
			}
			f := m3.Files()[0]
			if _, err := snapshot.OpenFile(ctx, s, m3, f, nil); !errors.Is(err, snapshot.ErrKeyRequired) || !strings.Contains(err.Error(), m3.Encryption.KeyID) {
				t.Fatalf("sealed without key: %v", err)
			}
			var wk *seal.WrongKeyError
			if _, err := snapshot.OpenFile(ctx, s, m3, f, testKey(t, 2)); !errors.As(err, &wk) || wk.Need != m3.Encryption.KeyID {
				t.Fatalf("sealed with a wrong key: %v", err)
			}

			// Verify, plain; sealed without a key (stored bytes only) and with it.
			var read atomic.Int64
			rep, err := snapshot.Verify(ctx, s, m1, snapshot.VerifyOptions{OnRead: func(n int64) { read.Add(n) }})
			stored, _ := m1.Bytes()
			if err != nil || !rep.Deep || rep.Objects != len(m1.Files()) || rep.Bytes != stored || len(rep.Failures) != 0 {
				t.Fatalf("Verify: %+v %v", rep, err)
			}
			if read.Load() != stored {
				t.Fatalf("OnRead saw %d bytes, want %d", read.Load(), stored)
			}
			if rep, err := snapshot.Verify(ctx, s, m3, snapshot.VerifyOptions{}); err != nil || rep.Deep {
				t.Fatalf("Verify sealed, no key: %+v %v", rep, err)
			}
			if rep, err := snapshot.Verify(ctx, s, m3, snapshot.VerifyOptions{Key: testKey(t, 1), Parallel: 1}); err != nil || !rep.Deep {
				t.Fatalf("Verify sealed with key: %+v %v", rep, err)
			}
			if _, err := snapshot.Verify(ctx, s, m3, snapshot.VerifyOptions{Key: testKey(t, 3)}); !errors.Is(err, seal.ErrWrongKey) {
				t.Fatalf("Verify with a wrong key: %v", err)
			}

			// Removal: the manifest goes first, then everything else.
			n2, err := snapshot.DeleteSnapshot(ctx, s, m2.ID)
			if err != nil || n2 != len(m2.Files())+1 {
				t.Fatalf("DeleteSnapshot: %d %v", n2, err)
			}
			if _, err := snapshot.DeleteIncomplete(ctx, s, m1.ID); !errors.Is(err, snapshot.ErrCompleted) {
				t.Fatalf("DeleteIncomplete of a complete snapshot: %v", err)
			}
			if k, err := snapshot.DeleteIncomplete(ctx, s, inc.ID); err != nil || k != len(inc.Files()) {
				t.Fatalf("DeleteIncomplete: %d %v", k, err)
			}
			c, err = snapshot.Scan(ctx, s)
			if err != nil || len(c.Entries) != 3 || len(c.Incomplete) != 0 {
				t.Fatalf("after removal: %+v %v", c, err)
			}
			left := 0
			s.List(ctx, snapshot.Dir(m2.ID), func(sinks.Object) error { left++; return nil })
			if left != 0 {
				t.Fatalf("%d objects of the removed snapshot left", left)
			}
		})
	}
}
