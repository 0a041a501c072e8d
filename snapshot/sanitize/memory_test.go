package sanitize

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestSanitizeHugeInsertConstantMemory streams one 200 MB extended INSERT
// (a single line, as mysqldump writes a big table) through Sanitize and
// checks that the heap stays small: data is never held whole, whatever the
// length of a line or statement.
func TestSanitizeHugeInsertConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 200 MB")
	}
	const total = 200 << 20
	row := []byte(`(123456,'SET @@GLOBAL.GTID_PURGED=\'x\';\nSQL_LOG_BIN DEFINER=` + "`root`@`localhost`" + ` it''s ;',_binary '\0\\;*/--'),`)
	chunk := bytes.Repeat(row, (1<<20)/len(row))

	pr, pw := io.Pipe()
	wantSum := sha256.New() // of the output expected: all but the first line
	go func() {
		io.WriteString(pw, "SET @@SESSION.SQL_LOG_BIN= 0;\n")
		w := io.MultiWriter(pw, wantSum)
		io.WriteString(w, "INSERT INTO `t` VALUES ")
		for n := 0; n < total; n += len(chunk) {
			w.Write(chunk)
		}
		io.WriteString(w, "(0,'',NULL);\n")
		pw.Close()
	}()

	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()

	outSum := sha256.New()
	rep, err := Sanitize(context.Background(), outSum, pr, Options{})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if rep.BytesIn < total || len(rep.Removed) != 1 {
		t.Fatalf("report %+v", rep)
	}
	if !bytes.Equal(outSum.Sum(nil), wantSum.Sum(nil)) {
		t.Errorf("%d bytes in, %d out: the output is not the input without its SQL_LOG_BIN line", rep.BytesIn, rep.BytesOut)
	}
	grown := int64(peak) - int64(base.HeapInuse)
	t.Logf("%d MiB streamed; heap in use grew by at most %.1f MiB", rep.BytesIn>>20, float64(grown)/(1<<20))
	if grown > 16<<20 {
		t.Errorf("heap in use grew by %.1f MiB while streaming: the filter holds data", float64(grown)/(1<<20))
	}
}
