package snapshottest_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/file"
	"github.com/pilotlight-dr/pilotlight/snapshot"
	"github.com/pilotlight-dr/pilotlight/snapshot/snapshottest"
)

// failingDeletes is a sink whose deletes fail after the first n.
type failingDeletes struct {
	sinks.Sink
	n atomic.Int64
}

func (f *failingDeletes) Delete(ctx context.Context, key string) error {
	if f.n.Add(-1) < 0 {
		return errors.New("injected: permission denied")
	}
	return f.Sink.Delete(ctx, key)
}

// TestDeleteManifestFirst: a removal that fails half-way has already
// removed the manifest, so the snapshot no longer exists for any command,
// and a second removal finishes it.
func TestDeleteManifestFirst(t *testing.T) {
	fs, err := file.New(t.TempDir(), sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	keep := snapshottest.Write(t, fs, snapshottest.Options{Time: day0.AddDate(0, 0, 1)})
	m := snapshottest.Write(t, fs, snapshottest.Options{Time: day0})
	s := &failingDeletes{Sink: fs}
	s.n.Store(3) // the manifest and two objects
	_, err = snapshot.DeleteSnapshot(ctx, s, m.ID)
	if err == nil || !strings.Contains(err.Error(), "2 of 15 objects removed") || !strings.Contains(err.Error(), "injected") {
		t.Fatalf("DeleteSnapshot: %v", err)
	}
	c, err := snapshot.Scan(ctx, fs)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Entries) != 1 || c.Entries[0].ID != keep.ID || len(c.Incomplete) != 1 || c.Incomplete[0].ID != m.ID {
		t.Fatalf("after a half-done removal: %+v", c)
	}
	if _, err := snapshot.Load(ctx, fs, m.ID); !errors.Is(err, snapshot.ErrNotFound) {
		t.Fatalf("half-removed snapshot still loads: %v", err)
	}
	if n, err := snapshot.DeleteIncomplete(ctx, fs, m.ID); err != nil || n != 13 {
		t.Fatalf("finish the removal: %d %v", n, err)
	}
	if c, _ := snapshot.Scan(ctx, fs); len(c.Incomplete) != 0 || len(c.Entries) != 1 {
		t.Fatalf("after finishing: %+v", c)
	}
}
