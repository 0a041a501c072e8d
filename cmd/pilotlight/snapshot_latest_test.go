package main

import (
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/snapshot"
	"github.com/pilotlight-dr/pilotlight/snapshot/snapshottest"
)

// TestSnapshotLatestNamesSkippedSnapshot: when the newest snapshot's
// manifest is corrupt, show, verify and cat of "latest" use the older good
// one, exit 0, and each says on stderr, in one line, which snapshot it
// skipped and why.
func TestSnapshotLatestNamesSkippedSnapshot(t *testing.T) {
	st := fileSnapStore(t)
	good := snapshottest.Write(t, st.sink, snapshottest.Options{Time: snapDay0})
	newest := snapshottest.Write(t, st.sink, snapshottest.Options{Time: snapDay0.Add(24 * time.Hour)})
	snapshottest.Rewrite(t, st.sink, snapshot.ManifestKey(newest.ID), func(b []byte) []byte { return b[:len(b)-20] })

	for _, cmd := range [][]string{{"show"}, {"show", "--json"}, {"verify"}, {"cat"}} {
		args := append(append([]string{"snapshot"}, cmd...), st.url, "latest")
		r := pl(t, nil, nil, args...)
		r.want(t, 0, args...)
		if !strings.Contains(r.stdout, good.ID) || strings.Contains(r.stdout, newest.ID) {
			t.Errorf("%v did not use %s:\n%.300s", cmd, good.ID, r.stdout)
		}
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		var warn []string
		for _, l := range lines {
			if strings.Contains(l, newest.ID) {
				warn = append(warn, l)
			}
		}
		if len(warn) != 1 || !strings.HasPrefix(warn[0], "warning: latest is "+good.ID+": skipped the newer snapshot "+newest.ID) ||
			!strings.Contains(warn[0], "bad manifest") {
			t.Errorf("%v: stderr does not name the skipped snapshot and why in one line:\n%s", cmd, r.stderr)
		}
	}
	// By id, the corrupt snapshot is an error, not a silent substitute.
	r := pl(t, nil, nil, "snapshot", "show", st.url, newest.ID)
	r.want(t, 1, "show", newest.ID)
	oneLineError(t, r, "bad manifest")
}
