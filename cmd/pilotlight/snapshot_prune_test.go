package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/snapshot"
	"github.com/pilotlight-dr/pilotlight/snapshot/snapshottest"
)

// countObjects counts every object under prefix on s.
func countObjects(t *testing.T, s sinks.Sink, prefix string) int {
	t.Helper()
	n := 0
	if err := s.List(context.Background(), prefix, func(sinks.Object) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSnapshotPrune(t *testing.T) {
	forEachStore(t, func(t *testing.T, st snapStore) {
		at := func(s string) time.Time {
			tm, err := time.Parse("2006-01-02 15:04", s)
			if err != nil {
				t.Fatal(err)
			}
			return tm
		}
		ids := map[string]string{}
		for name, when := range map[string]string{
			"A": "2026-11-16 02:00", "B": "2026-11-20 02:00", // ISO week 47
			"C": "2026-11-23 02:00", "D": "2026-11-27 02:00", // week 48
			"E": "2026-11-30 02:00", "F": "2026-11-30 14:00", "G": "2026-12-01 02:00", // week 49
		} {
			ids[name] = snapshottest.Write(t, st.sink, snapshottest.Options{Time: at(when)}).ID
		}
		// A newer snapshot whose manifest is unreadable, and one still running.
		broken := snapshot.NewID(at("2026-12-02 02:00"))
		if _, err := st.sink.Put(context.Background(), snapshot.ManifestKey(broken), strings.NewReader("{not json")); err != nil {
			t.Fatal(err)
		}
		running := snapshottest.WriteIncomplete(t, st.sink, snapshottest.Options{Time: time.Now()}).ID
		policy := []string{"--keep-last", "1", "--keep-daily", "2", "--keep-weekly", "3"}
		before := countObjects(t, st.sink, "")

		r := pl(t, st.env, nil, append([]string{"snapshot", "prune", "--dry-run", st.url}, policy...)...)
		r.want(t, 0, "prune --dry-run")
		for _, want := range []string{
			"keep          " + ids["G"] + "  2026-12-01 02:00:00  last, daily 2026-12-01, weekly 2026-W49",
			"keep          " + ids["F"] + "  2026-11-30 14:00:00  daily 2026-11-30",
			"keep          " + ids["D"] + "  2026-11-27 02:00:00  weekly 2026-W48",
			"keep          " + ids["B"] + "  2026-11-20 02:00:00  weekly 2026-W47",
			"keep          " + broken + "  2026-12-02 02:00:00  manifest unreadable",
			"would remove  " + ids["A"], "would remove  " + ids["C"], "would remove  " + ids["E"],
			"leave         " + running + "  incomplete: no manifest, last write ",
			"dry run: would remove 3 of 8 snapshots and 0 incomplete; nothing was deleted",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("dry run does not say %q:\n%s", want, r.stdout)
			}
		}
		if got := countObjects(t, st.sink, ""); got != before {
			t.Fatalf("dry run deleted %d objects", before-got)
		}

		pl(t, st.env, nil, "snapshot", "prune", st.url).want(t, 2, "prune without a policy")
		pl(t, st.env, nil, "snapshot", "prune", st.url, "--keep-last", "1", "--incomplete-after", "0s").want(t, 2, "prune --incomplete-after 0")

		r = pl(t, st.env, nil, append([]string{"snapshot", "prune", st.url}, policy...)...)
		r.want(t, 0, "prune")
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "removed       "+ids["A"]) || !strings.HasPrefix(lines[1], "removed       "+ids["C"]) ||
			!strings.HasPrefix(lines[2], "removed       "+ids["E"]) || !strings.HasPrefix(lines[3], "removed 3 snapshots and 0 incomplete") {
			t.Errorf("prune output:\n%s", r.stdout)
		}
		for _, gone := range []string{"A", "C", "E"} {
			if n := countObjects(t, st.sink, snapshot.Dir(ids[gone])); n != 0 {
				t.Errorf("%d objects of removed snapshot %s left", n, gone)
			}
		}
		r = pl(t, st.env, nil, "snapshot", "ls", "--json", st.url)
		var left []struct {
			ID    string `json:"id"`
			Error string `json:"error"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &left); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range left {
			got = append(got, e.ID)
		}
		if want := []string{ids["B"], ids["D"], ids["F"], ids["G"], broken}; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("left after prune: %v, want %v", got, want)
		}
		pl(t, st.env, nil, "snapshot", "verify", st.url, ids["G"]).want(t, 0, "verify the newest after prune")

		// Again: nothing more to do. Then a short --incomplete-after takes
		// the directory without manifest too.
		r = pl(t, st.env, nil, append([]string{"snapshot", "prune", st.url}, policy...)...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "removed 0 snapshots and 0 incomplete") {
			t.Errorf("second prune: %d\n%s", r.code, r.stdout)
		}
		r = pl(t, st.env, nil, "snapshot", "prune", st.url, "--keep-last", "1", "--incomplete-after", "1ms")
		r.want(t, 0, "prune --incomplete-after 1ms")
		if !strings.Contains(r.stdout, "removed       "+running+"  incomplete: ") || countObjects(t, st.sink, snapshot.Dir(running)) != 0 {
			t.Errorf("incomplete snapshot not removed:\n%s", r.stdout)
		}
		if countObjects(t, st.sink, snapshot.Dir(ids["G"])) == 0 || !strings.Contains(r.stdout, "removed 3 snapshots") {
			t.Errorf("keep-last 1 after the first prune:\n%s", r.stdout)
		}
	})
}

// TestSnapshotPruneOldIncomplete: with the default --incomplete-after 24h a
// failed snapshot (no object written for two days) goes, a running one stays.
func TestSnapshotPruneOldIncomplete(t *testing.T) {
	st := fileSnapStore(t)
	good := snapshottest.Write(t, st.sink, snapshottest.Options{Time: time.Now().Add(-72 * time.Hour)})
	failed := snapshottest.WriteIncomplete(t, st.sink, snapshottest.Options{Time: time.Now().Add(-50 * time.Hour)}).ID
	running := snapshottest.WriteIncomplete(t, st.sink, snapshottest.Options{Time: time.Now().Add(-30 * time.Hour)}).ID
	old := time.Now().Add(-49 * time.Hour)
	filepath.Walk(filepath.Join(st.dir, "snapshots", failed), func(p string, _ os.FileInfo, _ error) error {
		return os.Chtimes(p, old, old)
	})
	r := pl(t, nil, nil, "snapshot", "prune", st.url, "--keep-last", "5")
	r.want(t, 0, "prune")
	if !strings.Contains(r.stdout, "removed       "+failed+"  incomplete: no manifest, last write 2d") ||
		!strings.Contains(r.stdout, "removed 0 snapshots and 1 incomplete") {
		t.Errorf("prune:\n%s", r.stdout)
	}
	if countObjects(t, st.sink, snapshot.Dir(failed)) != 0 || countObjects(t, st.sink, snapshot.Dir(running)) == 0 ||
		countObjects(t, st.sink, snapshot.Dir(good.ID)) == 0 {
		t.Error("prune removed the wrong directories")
	}
}
