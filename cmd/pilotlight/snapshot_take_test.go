package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/coord"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/backends"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

// snapSource is a private MariaDB with a small shop database of several
// tables, a view and a trigger.
type snapSource struct {
	*testenv.MariaDB
	db *sql.DB
}

func newSnapSource(t *testing.T, rows int) *snapSource {
	t.Helper()
	m := testenv.NewMariaDB(t)
	db := statusOpen(t, m.DSN(""), nil)
	s := &snapSource{MariaDB: m, db: db}
	s.exec(t, "CREATE DATABASE shop", "CREATE DATABASE seq",
		"CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(64), email VARCHAR(128) CHARACTER SET latin1)",
		"CREATE TABLE shop.orders (id BIGINT PRIMARY KEY, customer INT, total DECIMAL(12,2), note TEXT, at DATETIME(6))",
		"CREATE TABLE shop.audit (at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6), what VARCHAR(32))",
		"CREATE VIEW shop.big_orders AS SELECT id, total FROM shop.orders WHERE total > 100",
		"CREATE TRIGGER shop.orders_audit AFTER INSERT ON shop.orders FOR EACH ROW INSERT INTO shop.audit (what) VALUES ('order')")
	s.exec(t, fmt.Sprintf("INSERT INTO shop.customers SELECT seq, CONCAT('customer ', seq, ' ü'), CONCAT('c', seq, '@example.com') FROM seq.seq_1_to_%d", rows))
	s.exec(t, fmt.Sprintf("INSERT INTO shop.orders SELECT seq, seq %% 97, seq * 1.25, REPEAT('note ', seq %% 50), '2026-01-02 03:04:05.678901' FROM seq.seq_1_to_%d", rows*3))
	return s
}

func (s *snapSource) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func openTestSink(t *testing.T, env []string, raw string) sinks.Sink {
	t.Helper()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	s, err := backends.Open(t.Context(), raw, sinks.Options{}, sinks.RetryPolicy{Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// snapLoad loads snapshot m from sink into target with the stock client.
func snapLoad(t *testing.T, sink sinks.Sink, m *snapshot.Manifest, target *testenv.MySQLServer) {
	t.Helper()
	var script bytes.Buffer
	for _, f := range m.Files() {
		rc, err := snapshot.OpenFile(t.Context(), sink, m, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(&script, rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Key, err)
		}
	}
	cmd := exec.CommandContext(t.Context(), testenv.RequireBinary(t, "mariadb"), "--no-defaults", "--protocol=tcp",
		"-h", target.Host, "-P", strconv.Itoa(target.Port), "-u", "root")
	cmd.Stdin = &script
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("load the snapshot with the mariadb client: %v\n%s", err, out)
	}
}

func snapChecksums(t *testing.T, db *sql.DB, tables ...string) string {
	t.Helper()
	var out []string
	for _, tb := range tables {
		var name string
		var sum sql.NullInt64
		if err := db.QueryRow("CHECKSUM TABLE "+tb).Scan(&name, &sum); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%d", tb, sum.Int64))
	}
	return strings.Join(out, " ")
}

// TestSnapshotToEveryCloudAtOnce writes one snapshot to file://, MinIO,
// fake-gcs-server and Azurite in one run: each holds the same manifest and
// objects, and a load from any of them equals the source.
func TestSnapshotToEveryCloudAtOnce(t *testing.T) {
	src := newSnapSource(t, 2000)
	clouds := allClouds(t)
	dir := t.TempDir()
	to := []string{"file://" + dir}
	for _, c := range clouds {
		to = append(to, c.url("nightly"))
	}
	args := []string{"snapshot", "--source", src.URL(), "--json", "--threads", "3"}
	for _, u := range to {
		args = append(args, "--to", u)
	}
	env := append(envOf(clouds...), "XDG_STATE_HOME="+t.TempDir())
	r := pl(t, env, nil, args...)
	r.want(t, 0, args...)
	var res snapshotResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--json output: %v\n%s", err, r.stdout)
	}
	if res.ID == "" || res.GTIDSet == "" || res.Rows != 2000+3*2000+3*2000 || res.Bytes <= 0 || res.Consistency != snapshot.MethodLockFree {
		t.Errorf("result %+v: want an id, a GTID set, 14000 rows (customers, orders, the trigger's audit rows), bytes, the lock-free method", res)
	}
	for _, c := range clouds {
		if strings.Contains(r.stdout+r.stderr, c.secret) && c.secret != "" {
			t.Errorf("the output shows the %s credential", c.name)
		}
	}
	var first *snapshot.Manifest
	for _, u := range to {
		s := openTestSink(t, env, u)
		m, err := snapshot.Load(t.Context(), s, res.ID)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if first == nil {
			first = m
			continue
		}
		a, _ := json.Marshal(first)
		b, _ := json.Marshal(m)
		if !bytes.Equal(a, b) {
			t.Errorf("%s holds another manifest than %s", u, to[0])
		}
	}
	target := testenv.NewMariaDB(t)
	gcs := openTestSink(t, env, to[2])
	snapLoad(t, gcs, first, target.MySQLServer)
	tdb := statusOpen(t, target.DSN(""), nil)
	tables := []string{"shop.customers", "shop.orders", "shop.audit"}
	if got, want := snapChecksums(t, tdb, tables...), snapChecksums(t, src.db, tables...); got != want {
		t.Errorf("loaded from %s: %s, source %s", to[2], got, want)
	}
	var n int
	if err := tdb.QueryRow("SELECT COUNT(*) FROM shop.big_orders").Scan(&n); err != nil || n == 0 {
		t.Errorf("view after the load: %d rows, %v", n, err)
	}
}

// TestSnapshotLockedSourceExits75 runs a snapshot while another holds the
// source's lock: it exits at once with 75 and names the holder; with --wait
// it waits and then succeeds.
func TestSnapshotLockedSourceExits75(t *testing.T) {
	src := newSnapSource(t, 10)
	state := t.TempDir()
	env := []string{"XDG_STATE_HOME=" + state}
	args := []string{"snapshot", "--source", src.URL(), "--to", "file://" + t.TempDir()}
	addr := net.JoinHostPort(src.Host, strconv.Itoa(src.Port))
	lease, err := mustCoord(t, filepath.Join(state, "pilotlight")).Acquire(t.Context(), snapLockName(t, src.db), false)
	if err != nil {
		t.Fatal(err)
	}
	r := pl(t, env, nil, args...)
	r.want(t, 75, args...)
	if !strings.Contains(r.stderr, "another snapshot of "+addr+" is running") || !strings.Contains(r.stderr, "--wait") {
		t.Errorf("stderr does not say what happened and what to do:\n%s", r.stderr)
	}
	waiter := plStart(t, env, append(args, "--wait")...)
	waiter.waitLog(t, "waiting for it")
	if err := lease.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-waiter.done
	if code := waiter.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("--wait run exited %d:\n%s", code, waiter.stderr())
	}
}

func mustCoord(t *testing.T, dir string) coord.Coordinator {
	t.Helper()
	c, err := coord.NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSnapshotSinkFailingMidwayLeavesNoManifest cuts one of two sinks while
// the snapshot is being written: the run fails with a clear error, and
// neither sink holds a manifest (nor, after the clean-up, any object).
func TestSnapshotSinkFailingMidwayLeavesNoManifest(t *testing.T) {
	r := startCutRig(t, "--log-level", "debug")
	run, proxy, m, dir, env := r.run, r.proxy, r.minio, r.dir, r.env
	direct := "s3://" + r.bucket + "/nightly?endpoint=" + m.Endpoint + "&path_style=true&region=" + m.Region
	for cut := true; cut; {
		proxy.Reset() // every connection to MinIO dies, again and again
		select {
		case <-run.done:
			cut = false
		default:
		}
	}
	if code := run.cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, run.stderr())
	}
	if !strings.Contains(run.stderr(), "no manifest was written") {
		t.Errorf("the error does not say the snapshot does not exist:\n%s", run.stderr())
	}
	if strings.Contains(run.stderr(), m.SecretKey) {
		t.Error("the output shows the S3 secret key")
	}
	for _, u := range []string{"file://" + dir, direct} {
		s := openTestSink(t, env, u)
		var left []string
		if err := s.List(t.Context(), "", func(o sinks.Object) error { left = append(left, o.Key); return nil }); err != nil {
			t.Fatal(err)
		}
		for _, k := range left {
			if strings.HasSuffix(k, snapshot.ManifestName) {
				t.Errorf("%s holds a manifest after the failed snapshot: %s", u, k)
			}
		}
		if u == direct {
			if len(left) > 0 && !strings.Contains(run.stderr(), "snapshot prune") {
				t.Errorf("objects were left on the unreachable sink and the log does not say how to remove them:\n%s", run.stderr())
			}
			continue
		}
		if len(left) > 0 { // the sink that worked is cleaned up
			t.Errorf("%s still holds %d objects of the failed snapshot, e.g. %s", u, len(left), left[0])
		}
	}
}

// TestSnapshotBlackHoledSinkFailsFast black-holes one of two sinks mid-way
// (connections accepted, nothing forwarded, as behind a firewall that drops
// packets): the run fails after --stall-timeout, not after the operating
// system's TCP timeout, and leaves no manifest.
func TestSnapshotBlackHoledSinkFailsFast(t *testing.T) {
	r := startCutRig(t, "--stall-timeout", "2s")
	run, proxy, fileSink := r.run, r.proxy, r.fileSink
	proxy.Cut()
	cut := time.Now()
	select {
	case <-run.done:
	case <-time.After(90 * time.Second):
		t.Fatalf("the snapshot still runs 90 s after its sink was black-holed:\n%s", run.stderr())
	}
	t.Logf("failed %s after the cut", time.Since(cut).Round(time.Millisecond))
	if code := run.cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, run.stderr())
	}
	if !strings.Contains(run.stderr(), "made no progress for 2s") {
		t.Errorf("the error does not say the sink stalled:\n%s", run.stderr())
	}
	var manifests []string
	_ = fileSink.List(t.Context(), "", func(o sinks.Object) error {
		if strings.HasSuffix(o.Key, snapshot.ManifestName) {
			manifests = append(manifests, o.Key)
		}
		return nil
	})
	if len(manifests) > 0 {
		t.Errorf("manifest written after the failure: %v", manifests)
	}
}

// cutRig is a snapshot running to a file:// sink and to MinIO through a
// proxy the test can cut, started with extra flags, once the file:// sink
// holds a few objects (the snapshot is mid-way).
type cutRig struct {
	run      *bgRun
	proxy    *testenv.Proxy
	minio    *testenv.S3Server
	bucket   string
	dir      string
	env      []string
	fileSink sinks.Sink
}

func startCutRig(t *testing.T, extra ...string) cutRig {
	t.Helper()
	src := newSnapSource(t, 20000)
	m := testenv.MinIO(t)
	r := cutRig{minio: m, bucket: m.NewBucket(t), dir: t.TempDir()}
	r.proxy = testenv.NewProxy(t, strings.TrimPrefix(m.Endpoint, "http://"))
	viaProxy := "s3://" + r.bucket + "/nightly?endpoint=http://" + r.proxy.Addr() + "&path_style=true&region=" + m.Region
	r.env = []string{"AWS_ACCESS_KEY_ID=" + m.AccessKey, "AWS_SECRET_ACCESS_KEY=" + m.SecretKey, "AWS_REGION=" + m.Region,
		"XDG_STATE_HOME=" + t.TempDir()}
	r.run = plStart(t, r.env, append([]string{"snapshot", "--source", src.URL(), "--to", "file://" + r.dir, "--to", viaProxy,
		"--chunk-size", "1MiB", "--threads", "2", "--retries", "1"}, extra...)...)
	r.fileSink = openTestSink(t, r.env, "file://"+r.dir)
	for stored := 0; stored < 3; {
		stored = 0
		_ = r.fileSink.List(t.Context(), snapshot.Root, func(sinks.Object) error { stored++; return nil })
		select {
		case <-r.run.done:
			t.Fatalf("the snapshot ended before the cut:\n%s", r.run.stderr())
		default:
		}
	}
	return r
}
