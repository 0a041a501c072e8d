package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestReplicateLargeTransactionBoundedMemory: one source transaction of about 110 MB
// of row data (220 MB as the SQL text that carries it) is streamed to the standby as
// it arrives: replicate's peak RSS stays far below the transaction's size, and the
// standby ends equal.
func TestReplicateLargeTransactionBoundedMemory(t *testing.T) {
	r := newFaultRig(t)
	start := r.position(t) // after the rig's own accounts: the standby gets the table from the stream
	faultExec(t, r.pdb, "CREATE DATABASE "+faultSchema,
		"CREATE TABLE "+faultSchema+".big (id INT PRIMARY KEY, pad VARCHAR(1000) NOT NULL)")
	bg := plStart(t, r.env(), r.args(r.src, r.stb, "--start-gtid", start)...)
	bg.waitLog(t, "replicating")

	const rows, width = 120_000, 900
	faultExec(t, r.pdb, fmt.Sprintf("INSERT INTO %s.big SELECT seq, REPEAT(CHAR(48 + seq %% 43), %d) FROM %s.seq_1_to_%d",
		faultSchema, width, faultSchema, rows))
	r.waitCaughtUp(t, bg, 5*time.Minute)
	peak := peakRSSKiB(t, bg.cmd.Process.Pid)
	if code := bg.stop(t); code != 0 {
		t.Errorf("replicate: exit %d after SIGTERM\n%s", code, bg.stderr())
	}
	if p, s := tableChecksum(t, r.pdb, "big"), tableChecksum(t, r.sdb, "big"); p != s {
		t.Errorf("CHECKSUM TABLE big: primary %d, standby %d", p, s)
	}
	const limit = 100 << 10 // KiB; the statements alone would be 2 x 108 MB if held whole
	t.Logf("one %d MB transaction: replicate peak RSS %d MiB", rows*width>>20, peak>>10)
	if peak > limit {
		t.Errorf("replicate peak RSS %d MiB applying one %d MB transaction, want under %d MiB: it must stream",
			peak>>10, rows*width>>20, limit>>10)
	}
	if !strings.Contains(bg.stderr(), "large transaction") {
		t.Errorf("the transaction was not applied as a large one:\n%s", bg.stderr())
	}
}

// peakRSSKiB reads a running process's VmHWM.
func peakRSSKiB(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}
