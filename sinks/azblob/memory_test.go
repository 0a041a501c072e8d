package azblob

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// TestPutMemory streams 2 GiB up and back with the default options (16 MiB
// parts, 4 in flight) and checks the process's peak RSS stays under 128 MiB.
// It is not parallel, so nothing else in the binary runs meanwhile.
func TestPutMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 2 GiB; skipped with -short")
	}
	const size = 2 << 30
	const limit = 128 << 20
	s := newTestSink(t, sinks.Options{})
	ctx := context.Background()
	resetPeakRSS(t)

	obj, err := s.Put(ctx, "big/2GiB", sinktest.Data(42, size))
	if err != nil {
		t.Fatal(err)
	}
	afterPut := peakRSS(t)
	rc, err := s.Open(ctx, "big/2GiB")
	if err != nil {
		t.Fatal(err)
	}
	sum, n, err := sinktest.ReadSHA256(rc)
	rc.Close()
	if err != nil || n != size || sum != obj.SHA256 || obj.Size != size {
		t.Fatalf("read back %d bytes sha %s err %v; Put returned %+v", n, sum, err, obj)
	}
	peak := peakRSS(t)
	t.Logf("peak RSS: %d MiB after Put, %d MiB after read back", afterPut>>20, peak>>20)
	if raceEnabled {
		t.Log("race detector on: RSS bound not checked")
		return
	}
	if peak > limit {
		t.Errorf("peak RSS %d MiB, want under %d MiB", peak>>20, limit>>20)
	}
}

// resetPeakRSS resets the kernel's high-water mark of this process's RSS.
func resetPeakRSS(t *testing.T) {
	t.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset peak RSS: %v", err)
	}
}

// peakRSS is VmHWM from /proc/self/status, in bytes.
func peakRSS(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("cannot read peak RSS: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("parse VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Skip("no VmHWM in /proc/self/status")
	return 0
}
