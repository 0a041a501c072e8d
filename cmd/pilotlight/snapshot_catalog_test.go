package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/seal"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/backends"
	"github.com/pilotlight-dr/pilotlight/snapshot"
	"github.com/pilotlight-dr/pilotlight/snapshot/snapshottest"
)

// snapStore is a sink as the CLI sees it (URL, environment) and as the
// test writes fixtures to it (an open Sink).
type snapStore struct {
	name string
	url  string
	env  []string
	sink sinks.Sink
	dir  string // file:// only: the directory
}

func snapStores(t *testing.T) []func(t *testing.T) snapStore {
	return []func(t *testing.T) snapStore{fileSnapStore, s3SnapStore}
}

func fileSnapStore(t *testing.T) snapStore {
	dir := t.TempDir()
	return snapStore{name: "file", url: "file://" + dir, dir: dir, sink: openSnapSink(t, "file://"+dir)}
}

func s3SnapStore(t *testing.T) snapStore {
	c := minioCloud(t)
	for _, kv := range c.env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	u := c.url("dr")
	return snapStore{name: "s3", url: u, env: c.env, sink: openSnapSink(t, u)}
}

func openSnapSink(t *testing.T, u string) sinks.Sink {
	t.Helper()
	s, err := backends.Open(context.Background(), u, sinks.Options{}, sinks.RetryPolicy{Attempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// forEachStore runs fn against a fresh file:// sink and a fresh MinIO bucket.
func forEachStore(t *testing.T, fn func(t *testing.T, st snapStore)) {
	for _, open := range snapStores(t) {
		st := open(t)
		t.Run(st.name, func(t *testing.T) { fn(t, st) })
	}
}

// snapKey writes a hex key file (mode 0600) and returns it with its key.
func snapKey(t *testing.T, fill byte) (string, *seal.Key) {
	t.Helper()
	raw := bytes.Repeat([]byte{fill}, 32)
	p := filepath.Join(t.TempDir(), "snapshot.key")
	if err := os.WriteFile(p, []byte(hex.EncodeToString(raw)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := seal.NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return p, &k
}

var snapDay0 = time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)

func TestSnapshotLsShow(t *testing.T) {
	forEachStore(t, func(t *testing.T, st snapStore) {
		r := pl(t, st.env, nil, "snapshot", "ls", st.url)
		r.want(t, 0, "ls empty")
		if !strings.Contains(r.stdout, "no snapshots on") || r.stderr != "" {
			t.Errorf("ls of an empty sink:\n%s\n%s", r.stdout, r.stderr)
		}
		r = pl(t, st.env, nil, "snapshot", "ls", "--json", st.url)
		if r.code != 0 || strings.TrimSpace(r.stdout) != "[]" {
			t.Errorf("ls --json of an empty sink: %d %q", r.code, r.stdout)
		}

		_, key := snapKey(t, 4)
		m1 := snapshottest.Write(t, st.sink, snapshottest.Options{Time: snapDay0, GTIDSet: "0-1-77,1-2-5"})
		m2 := snapshottest.Write(t, st.sink, snapshottest.Options{Time: snapDay0.Add(26 * time.Hour), Key: key})
		snapshottest.WriteIncomplete(t, st.sink, snapshottest.Options{Time: snapDay0.Add(50 * time.Hour)})

		r = pl(t, st.env, nil, "snapshot", "ls", st.url)
		r.want(t, 0, "ls")
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID ") || !strings.HasPrefix(lines[1], m1.ID) || !strings.HasPrefix(lines[2], m2.ID) {
			t.Fatalf("ls:\n%s", r.stdout)
		}
		for _, want := range []string{"2026-11-30 02:00:00", "0-1-77,1-2-5", "flush-tables-read-lock", " 1507 ", " no ", " yes "} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("ls does not show %q:\n%s", want, r.stdout)
			}
		}
		if !strings.Contains(lines[3], "2 snapshots") || !strings.Contains(r.stderr, "1 incomplete snapshot directory") {
			t.Errorf("ls summary or incomplete note:\n%s\n%s", r.stdout, r.stderr)
		}

		r = pl(t, st.env, nil, "snapshot", "ls", "--json", st.url)
		r.want(t, 0, "ls --json")
		var got []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 2 {
			t.Fatalf("ls --json: %v\n%s", err, r.stdout)
		}
		for i, m := range []*snapshot.Manifest{m1, m2} {
			stored, raw := m.Bytes()
			g := got[i]
			if g["id"] != m.ID || g["time"] != m.Started.Format(time.RFC3339) || g["gtid_set"] != m.GTIDSet ||
				g["bytes"] != float64(stored) || g["raw_bytes"] != float64(raw) || g["rows"] != float64(1507) ||
				g["tables"] != float64(5) || g["databases"] != float64(2) || g["consistency"] != snapshot.MethodFlushLock ||
				g["encrypted"] != (m.Encryption != nil) {
				t.Errorf("ls --json entry %d = %v", i, g)
			}
		}
		if got[1]["key_id"] != key.ID() {
			t.Errorf("key_id = %v, want %s", got[1]["key_id"], key.ID())
		}

		r = pl(t, st.env, nil, "snapshot", "show", st.url, m1.ID)
		r.want(t, 0, "show")
		for _, want := range []string{"Snapshot     " + m1.ID, "GTID set     0-1-77,1-2-5", "Binlog       binlog.000002:4242",
			"(took 3s)", "Encryption   none", "1507 rows in 5 tables of 2 databases", "shop      orders", "(whole)",
			"(views, triggers, ...)", "crm       leads"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("show does not say %q:\n%s", want, r.stdout)
			}
		}
		r = pl(t, st.env, nil, "snapshot", "show", st.url, "latest")
		r.want(t, 0, "show latest")
		if !strings.Contains(r.stdout, m2.ID) || !strings.Contains(r.stdout, "AES-256-GCM-STREAM-1, key id "+key.ID()) {
			t.Errorf("show latest:\n%s", r.stdout)
		}
		r = pl(t, st.env, nil, "snapshot", "show", "--json", st.url, strings.SplitN(m1.ID, "-", 2)[1])
		r.want(t, 0, "show --json")
		back, err := snapshot.ParseManifest([]byte(r.stdout))
		want, _ := m1.Marshal()
		if again, _ := back.Marshal(); err != nil || !bytes.Equal(again, want) {
			t.Errorf("show --json is not the manifest (%v):\n%s", err, r.stdout)
		}

		r = pl(t, st.env, nil, "snapshot", "show", st.url, "20990101T000000Z-00000000")
		r.want(t, 1, "show missing")
		oneLineError(t, r, "no snapshot 20990101T000000Z-00000000 on")
		if !strings.Contains(r.stderr, m2.ID+", "+m1.ID) || !strings.Contains(r.stderr, "1 incomplete") {
			t.Errorf("not-found error does not list what exists: %s", r.stderr)
		}
		pl(t, st.env, nil, "snapshot", "show", st.url).want(t, 2, "show without id")
	})
}

// TestSnapshotCommandsHelp: every command explains itself with examples.
func TestSnapshotCommandsHelp(t *testing.T) {
	for _, c := range []string{"ls", "show", "verify", "cat", "prune"} {
		r := pl(t, nil, nil, "snapshot", c, "--help")
		r.want(t, 0, c+" --help")
		if !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "pilotlight snapshot "+c) ||
			!strings.Contains(r.stdout, "--part-size") {
			t.Errorf("snapshot %s --help:\n%s", c, r.stdout)
		}
	}
}
