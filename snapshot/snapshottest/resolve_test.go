package snapshottest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/file"
	"github.com/pilotlight-dr/pilotlight/snapshot"
	"github.com/pilotlight-dr/pilotlight/snapshot/snapshottest"
)

// TestResolveLatestSkipsBadManifests: "latest" passes over the newer
// snapshots whose manifests cannot be used (one is not JSON, one was changed
// behind the sink's back) and says which and why; other ids skip nothing;
// with no good snapshot at all, the error gives the newest one's reason.
func TestResolveLatestSkipsBadManifests(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := file.New(dir, sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	good := snapshottest.Write(t, s, snapshottest.Options{Time: day0})
	notJSON := snapshottest.Write(t, s, snapshottest.Options{Time: day0.Add(time.Hour)})
	flipped := snapshottest.Write(t, s, snapshottest.Options{Time: day0.Add(2 * time.Hour)})

	r, err := snapshot.Resolve(ctx, s, snapshot.Latest)
	if err != nil || r.Manifest.ID != flipped.ID || len(r.Skipped) != 0 {
		t.Fatalf("latest of good snapshots: %+v, %v", r, err)
	}
	snapshottest.Rewrite(t, s, snapshot.ManifestKey(notJSON.ID), func(b []byte) []byte { return b[:len(b)/2] })
	p := filepath.Join(dir, filepath.FromSlash(snapshot.ManifestKey(flipped.ID)))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x20
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}

	r, err = snapshot.Resolve(ctx, s, snapshot.Latest)
	if err != nil || r.Manifest.ID != good.ID {
		t.Fatalf("latest: %+v, %v; want %s", r.Manifest, err, good.ID)
	}
	if len(r.Skipped) != 2 || r.Skipped[0].ID != flipped.ID || r.Skipped[1].ID != notJSON.ID ||
		!errors.Is(r.Skipped[0].Err, sinks.ErrCorrupt) || !errors.Is(r.Skipped[1].Err, snapshot.ErrBadManifest) {
		t.Fatalf("skipped: %+v", r.Skipped)
	}
	if m, err := snapshot.Load(ctx, s, snapshot.Latest); err != nil || m.ID != good.ID {
		t.Errorf("Load(latest) = %v, %v", m, err)
	}
	if r, err := snapshot.Resolve(ctx, s, good.ID); err != nil || r.Manifest.ID != good.ID || len(r.Skipped) != 0 {
		t.Errorf("by id: %+v, %v", r, err)
	}
	if _, err := snapshot.Resolve(ctx, s, notJSON.ID); !errors.Is(err, snapshot.ErrBadManifest) {
		t.Errorf("a bad snapshot by id: %v", err)
	}

	if err := s.Delete(ctx, snapshot.ManifestKey(good.ID)); err != nil {
		t.Fatal(err)
	}
	_, err = snapshot.Resolve(ctx, s, snapshot.Latest)
	if !errors.Is(err, snapshot.ErrNotFound) || !strings.Contains(err.Error(), "none has a manifest that can be used (the newest, "+flipped.ID+": ") {
		t.Errorf("no good snapshot: %v", err)
	}
}
