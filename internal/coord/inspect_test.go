package coord

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestInspectFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "leases")
	if h, err := InspectFile(dir, "replicate/s1"); err != nil || h != nil {
		t.Fatalf("missing dir: %v, %v", h, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("InspectFile created the directory: %v", err)
	}
	c, err := NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := c.Acquire(ctx, "replicate/s1", false)
	if err != nil {
		t.Fatal(err)
	}
	h, err := InspectFile(dir, "replicate/s1")
	if err != nil || h == nil || h.PID != os.Getpid() || h.Token != l.Token() {
		t.Fatalf("held lease: %+v, %v", h, err)
	}
	// Inspecting leaves the lease with its holder.
	if _, err := c.Acquire(ctx, "replicate/s1", false); err == nil {
		t.Fatal("lease acquired twice after Inspect")
	}
	if h, err := InspectFile(dir, "replicate/other"); err != nil || h != nil {
		t.Fatalf("other name: %v, %v", h, err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if h, err := InspectFile(dir, "replicate/s1"); err != nil || h != nil {
		t.Fatalf("released lease: %+v, %v", h, err)
	}
	// A holder that died without releasing left its details: not held.
	base := filepath.Join(dir, "replicate%2Fs2")
	if err := os.WriteFile(base+".lock", []byte(`{"pid":99999999,"host":"h","token":3}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if h, err := InspectFile(dir, "replicate/s2"); err != nil || h != nil {
		t.Fatalf("dead holder: %+v, %v", h, err)
	}
	if h, err := c.(*fileCoordinator).Inspect(""); err == nil {
		t.Fatalf("empty name: %+v", h)
	}
}
