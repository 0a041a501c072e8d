package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

// domainSeq is the sequence number of domain d in MariaDB GTID position pos.
func domainSeq(t *testing.T, pos string, d int) int {
	t.Helper()
	for _, g := range strings.Split(pos, ",") {
		parts := strings.Split(strings.TrimSpace(g), "-")
		if len(parts) == 3 && parts[0] == strconv.Itoa(d) {
			n, err := strconv.Atoi(parts[2])
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	return 0
}

// TestSnapshotOfStandbyReadsTheCheckpoint snapshots a standby while pilotlight
// replicate applies a stream of one-row transactions to it: the snapshot
// takes no lock, records the stream's checkpoint as its GTID set, and holds
// exactly the rows of the transactions that set names: no more, no fewer.
func TestSnapshotOfStandbyReadsTheCheckpoint(t *testing.T) {
	r := newReplRig(t)
	start := r.afterDDL
	rep := plStart(t, r.env(), r.args(r.startArgs()...)...)
	rep.waitLog(t, "replicating")

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // one transaction per row, ids in commit order
		defer wg.Done()
		for id := 1; ; id++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := r.pdb.Exec("INSERT INTO "+r.schema+".t VALUES (?, 'x', 0, NOW(6))", id); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for r.count(t, r.sdb) < 200 {
		if time.Now().After(deadline) {
			t.Fatalf("the standby did not get 200 rows in 30 s:\n%s", rep.stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
	dir := t.TempDir()
	res := pl(t, r.env(), nil, "snapshot", "--source", r.standby.URL(), "--to", "file://"+dir, "--include", r.schema+".*",
		"--stream", r.stream, "--threads", "3", "--json")
	close(stop)
	wg.Wait()
	res.want(t, 0, "snapshot of the standby")
	if code := rep.stop(t); code != 0 {
		t.Errorf("replicate exit %d:\n%s", code, rep.stderr())
	}
	var got snapshotResult
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	if got.Consistency != snapshot.MethodStandbyCheckpoint {
		t.Fatalf("consistency %q, want %q", got.Consistency, snapshot.MethodStandbyCheckpoint)
	}
	want := domainSeq(t, got.GTIDSet, replicateDomain) - domainSeq(t, start, replicateDomain)
	if want < 200 {
		t.Fatalf("checkpoint %s is %d transactions past the start %s; the standby had 200 rows before the snapshot", got.GTIDSet, want, start)
	}
	target := testenv.NewMariaDB(t)
	s := openTestSink(t, nil, "file://"+dir)
	m, err := snapshot.Load(t.Context(), s, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Stream != r.stream {
		t.Errorf("manifest stream %q, want %q", m.Stream, r.stream)
	}
	snapLoad(t, s, m, target.MySQLServer)
	tdb := statusOpen(t, target.DSN(""), nil)
	var n, maxID int
	if err := tdb.QueryRow("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM "+r.schema+".t").Scan(&n, &maxID); err != nil {
		t.Fatal(err)
	}
	if n != want || maxID != want {
		t.Errorf("the snapshot holds %d rows (ids up to %d); its GTID set %s names %d transactions since the start", n, maxID, got.GTIDSet, want)
	}
	t.Logf("standby snapshot at %s: %d rows", got.GTIDSet, n)
}
