package s3

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

const (
	memChildEnv = "PILOTLIGHT_S3_MEM_CHILD" // JSON memChild: run the child half of TestPutMemory
	bigSize     = 2 << 30
	memLimit    = 128 << 20
)

type memChild struct {
	Server testenv.S3Server
	Bucket string
}

// TestPutMemory uploads 2 GiB with the default options in a fresh process
// (so that earlier tests do not count) and checks its peak RSS (VmHWM) and
// the peak of memory mapped by the Go runtime.
func TestPutMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 2 GiB")
	}
	t.Parallel()
	srv := testenv.MinIO(t)
	spec, _ := json.Marshal(memChild{Server: *srv, Bucket: srv.NewBucket(t)})
	cmd := exec.Command(os.Args[0], "-test.run=^TestPutMemoryChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), memChildEnv+"="+string(spec))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var rss, goPeak int64 = -1, -1
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if line := sc.Text(); strings.Contains(line, "MEMORY ") {
			_, _ = fmt.Sscanf(line[strings.Index(line, "MEMORY "):], "MEMORY rss=%d go=%d", &rss, &goPeak)
		}
	}
	if rss < 0 {
		t.Fatalf("child did not report its memory:\n%s", out)
	}
	t.Logf("2 GiB Put: peak RSS %d MiB, peak Go-mapped memory %d MiB (race detector: %v)", rss>>20, goPeak>>20, raceEnabled)
	if goPeak >= memLimit {
		t.Errorf("peak Go-mapped memory %d MiB, want < %d MiB", goPeak>>20, memLimit>>20)
	}
	if !raceEnabled && rss >= memLimit {
		t.Errorf("peak RSS %d MiB, want < %d MiB", rss>>20, memLimit>>20)
	}
}

func TestPutMemoryChild(t *testing.T) {
	raw := os.Getenv(memChildEnv)
	if raw == "" {
		t.Skip("child half of TestPutMemory")
	}
	var spec memChild
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatal(err)
	}
	s, err := openTest(t, sinkURL(&spec.Server, spec.Bucket, "mem"), spec.Server.AccessKey, spec.Server.SecretKey, sinks.Options{}, testConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var peak atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
		for {
			metrics.Read(samples)
			if v := int64(samples[0].Value.Uint64() - samples[1].Value.Uint64()); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	obj, err := s.Put(context.Background(), "two-gib", sinktest.Data(42, bigSize))
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("put %d bytes in %v", obj.Size, time.Since(start).Round(time.Second))
	if obj.Size != bigSize {
		t.Errorf("size %d", obj.Size)
	}
	if st, err := s.Stat(context.Background(), "two-gib"); err != nil || st.SHA256 != obj.SHA256 || st.Size != bigSize {
		t.Errorf("Stat = %+v, %v; want the SHA-256 Put returned, %s", st, err, obj.SHA256)
	}
	if err := s.Delete(context.Background(), "two-gib"); err != nil {
		t.Error(err)
	}
	fmt.Printf("MEMORY rss=%d go=%d\n", vmHWM(t), peak.Load())
}

// vmHWM is this process's peak resident set size.
func vmHWM(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}
