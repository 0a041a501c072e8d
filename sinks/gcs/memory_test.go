package gcs

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// The upload runs in a child process so that its peak RSS is its own, not
// that of the tests running in parallel.
const (
	bigPutURLEnv  = "PILOTLIGHT_GCS_BIGPUT_URL"  // set in the child: where to put
	bigPutSizeEnv = "PILOTLIGHT_GCS_BIGPUT_SIZE" // bytes; 2147483648 for the 2 GiB check
	maxPeakRSS    = 128 << 20
)

func TestBigPutMemory(t *testing.T) {
	// 256 MiB is 16 chunks: memory growing with the size would show. Larger
	// sizes are slow here only because fake-gcs-server recomputes the CRC32C
	// and MD5 of the whole object on every chunk (quadratic; real GCS is not).
	size := int64(256 << 20)
	if v := os.Getenv(bigPutSizeEnv); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", bigPutSizeEnv, v, err)
		}
		size = n
	}
	if raw := os.Getenv(bigPutURLEnv); raw != "" {
		bigPutChild(t, raw, size)
		return
	}
	if testing.Short() {
		t.Skip("uploads a large object; skipped with -short")
	}
	t.Parallel()
	raw := testURL(t, "mem")
	cmd := exec.Command(os.Args[0], "-test.run=^TestBigPutMemory$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), bigPutURLEnv+"="+raw, bigPutSizeEnv+"="+strconv.FormatInt(size, 10))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child upload of %d bytes: %v\n%s", size, err, out)
	}
	m := regexp.MustCompile(`peak_rss=(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child printed no peak RSS:\n%s", out)
	}
	peak, _ := strconv.ParseInt(string(m[1]), 10, 64)
	t.Logf("Put of %d MiB (16 MiB chunks): peak RSS %d MiB", size>>20, peak>>20)
	if peak > maxPeakRSS && !raceEnabled {
		t.Errorf("peak RSS %d MiB during a %d MiB Put, want < %d MiB", peak>>20, size>>20, maxPeakRSS>>20)
	}
	if peak > 4*maxPeakRSS { // the race detector's shadow memory multiplies the heap
		t.Errorf("peak RSS %d MiB during a %d MiB Put under -race", peak>>20, size>>20)
	}
	// Free the emulator's memory.
	s, err := openURL(t, raw, sinks.Options{})
	if err == nil {
		_ = s.Delete(context.Background(), "big")
		s.Close()
	}
}

func bigPutChild(t *testing.T, raw string, size int64) {
	s, err := openURL(t, raw, sinks.Options{}) // default 16 MiB chunks
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	obj, err := s.Put(context.Background(), "big", sinktest.Data(42, size))
	if err != nil {
		t.Fatal(err)
	}
	if obj.Size != size || len(obj.SHA256) != 64 {
		t.Fatalf("Put returned %+v", obj)
	}
	peak, err := peakRSS()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("peak_rss=%d\n", peak)
}

// peakRSS reads VmHWM, the process's peak resident set size, in bytes.
func peakRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kib << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}
