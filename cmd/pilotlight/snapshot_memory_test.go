package main

import (
	"strconv"
	"strings"
	"testing"
)

// TestSnapshotMemoryIsBounded snapshots 200 MB of incompressible rows to all
// four sinks at once with 4 threads: peak RSS stays under 256 MiB.
func TestSnapshotMemoryIsBounded(t *testing.T) {
	src := newSnapSource(t, 10)
	src.exec(t, "CREATE TABLE shop.blobs (id INT PRIMARY KEY, b MEDIUMBLOB)")
	for i := 0; i < 5; i++ { // 5 x 5000 rows of 8 KiB
		src.exec(t, "INSERT INTO shop.blobs SELECT seq, CONCAT(RANDOM_BYTES(1024), RANDOM_BYTES(1024), RANDOM_BYTES(1024), RANDOM_BYTES(1024), "+
			"RANDOM_BYTES(1024), RANDOM_BYTES(1024), RANDOM_BYTES(1024), RANDOM_BYTES(1024)) FROM seq.seq_"+
			strconv.Itoa(i*5000+1)+"_to_"+strconv.Itoa(i*5000+5000))
	}
	clouds := allClouds(t)
	args := []string{"snapshot", "--source", src.URL(), "--threads", "4", "--chunk-size", "16MiB", "--to", "file://" + t.TempDir()}
	for _, c := range clouds {
		args = append(args, "--to", c.url("mem"))
	}
	r := pl(t, append(envOf(clouds...), "XDG_STATE_HOME="+t.TempDir()), nil, args...)
	r.want(t, 0, args...)
	if !strings.Contains(r.stdout, "(25070 rows)") { // blobs, customers, orders, and the trigger's audit rows
		t.Errorf("summary does not count 25070 rows:\n%s", r.stdout)
	}
	t.Logf("200 MB to 4 sinks with 4 threads: peak RSS %d MiB", r.maxRSSKiB/1024)
	if r.maxRSSKiB > 256*1024 {
		t.Errorf("peak RSS %d MiB, want under 256 MiB", r.maxRSSKiB/1024)
	}
}
