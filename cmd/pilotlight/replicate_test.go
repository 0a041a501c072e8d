package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// replicateDomain is the MariaDB GTID domain the replicate tests write in, so
// that their counts are exact while other tests write to the shared primary.
const replicateDomain = 4343

// replRig is a table created on the primary only, a fresh stream id, server id
// and lease directory. The standby gets the table from the stream, as a user's
// would: start replicate with --start-gtid r.start, the primary's position just
// before the table's CREATE DATABASE (the shared primary's earlier history
// belongs to other tests' databases, which --include leaves out, so for the
// replicated set r.start is the beginning: the same as --from-start on a
// primary of its own, without replaying every other test's history).
type replRig struct {
	primary, standby *testenv.MySQLServer
	pdb, sdb         *sql.DB
	stream, schema   string
	serverID         uint32
	state            string
	start, afterDDL  string // positions before and after the rig's DDL
}

// startArgs start a stream at the rig's start: --start-gtid, or --from-start
// on a primary that has no GTID yet (the rig is the first to write to it).
func (r *replRig) startArgs() []string {
	if r.start == "" {
		return []string{"--from-start"}
	}
	return []string{"--start-gtid", r.start}
}

func newReplRig(t *testing.T) *replRig {
	t.Helper()
	n := rand.Uint32()
	r := &replRig{primary: testenv.MariaDBPrimary(t), standby: testenv.MariaDBStandby(t), state: t.TempDir(),
		stream: fmt.Sprintf("repl-test.%08x", n), schema: fmt.Sprintf("repl_test_%08x", n),
		serverID: 0x60000000 | n&0xffffff}
	r.pdb = statusOpen(t, r.primary.DSN(""), map[string]string{"gtid_domain_id": strconv.Itoa(replicateDomain)})
	r.sdb = statusOpen(t, r.standby.DSN(""), nil)
	r.start = r.position(t)
	for _, q := range []string{"CREATE DATABASE " + r.schema,
		"CREATE TABLE " + r.schema + ".t (id BIGINT PRIMARY KEY, v VARCHAR(64), f DOUBLE, ts TIMESTAMP(6) NULL)"} {
		if _, err := r.pdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	r.afterDDL = r.position(t)
	t.Cleanup(func() {
		for _, db := range []*sql.DB{r.pdb, r.sdb} {
			_, _ = db.Exec("DROP DATABASE IF EXISTS " + r.schema)
		}
		_, _ = r.sdb.Exec("DELETE FROM pilotlight.checkpoint WHERE stream_id = ?", r.stream)
	})
	return r
}

func (r *replRig) env() []string { return []string{"XDG_STATE_HOME=" + r.state} }

func (r *replRig) args(extra ...string) []string {
	return append([]string{"replicate", "--source", r.primary.URL(), "--standby", r.standby.URL(),
		"--stream", r.stream, "--server-id", strconv.FormatUint(uint64(r.serverID), 10),
		"--include", r.schema + ".*", "--rpo", "1m"}, extra...)
}

func (r *replRig) position(t *testing.T) string {
	t.Helper()
	g, _, err := mysqlx.ReadGTIDs(context.Background(), r.pdb, mysqlx.MariaDB)
	if err != nil {
		t.Fatal(err)
	}
	return g.String()
}

// write commits n transactions on the primary, ids from first.
func (r *replRig) write(t *testing.T, first, n int) {
	t.Helper()
	for id := first; id < first+n; id++ {
		if _, err := r.pdb.Exec("INSERT INTO "+r.schema+".t VALUES (?, ?, ?, NOW(6))",
			id, fmt.Sprintf("row %d ü", id), float64(id)/3); err != nil {
			t.Fatal(err)
		}
	}
}

// count is the table's rows on db; 0 while the standby has not received the
// table yet.
func (r *replRig) count(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	err := db.QueryRow("SELECT COUNT(*) FROM " + r.schema + ".t").Scan(&n)
	if isMissingTable(err) && db == r.sdb {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitRows polls the standby until it has want rows (60 s at most), then
// compares checksums.
func (r *replRig) waitRows(t *testing.T, want int, bg *bgRun) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for r.count(t, r.sdb) != want {
		if time.Now().After(deadline) {
			t.Fatalf("standby has %d rows after 60s, want %d\nreplicate stderr:\n%s", r.count(t, r.sdb), want, bg.stderr())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var name string
	var src, stb sql.NullInt64
	if err := r.pdb.QueryRow("CHECKSUM TABLE "+r.schema+".t").Scan(&name, &src); err != nil {
		t.Fatal(err)
	}
	if err := r.sdb.QueryRow("CHECKSUM TABLE "+r.schema+".t").Scan(&name, &stb); err != nil {
		t.Fatal(err)
	}
	if src != stb {
		t.Errorf("CHECKSUM TABLE: primary %v, standby %v", src, stb)
	}
}

// bgRun is the binary running in the background.
type bgRun struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	errb bytes.Buffer
	done chan struct{}
}

func (b *bgRun) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.errb.Write(p)
}

func (b *bgRun) stderr() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.errb.String()
}

// plStart runs the binary under test in the background (plStartBin).
func plStart(t *testing.T, env []string, args ...string) *bgRun {
	t.Helper()
	return plStartBin(t, os.Getenv("PILOTLIGHT_TEST_BIN"), env, args...)
}

// stop sends SIGTERM and returns the exit code (30 s at most).
func (b *bgRun) stop(t *testing.T) int {
	t.Helper()
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("replicate did not stop within 30s after SIGTERM\n%s", b.stderr())
	}
	return b.cmd.ProcessState.ExitCode()
}

// waitLog waits until stderr contains want (30 s at most).
func (b *bgRun) waitLog(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(b.stderr(), want) {
		select {
		case <-b.done:
			t.Fatalf("replicate exited (%d) before logging %q:\n%s", b.cmd.ProcessState.ExitCode(), want, b.stderr())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("replicate did not log %q within 30s:\n%s", want, b.stderr())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkEndpoints reads the health server's address from the log and checks
// /readyz and the applied rows in /metrics.
func checkEndpoints(t *testing.T, b *bgRun, stream string) {
	t.Helper()
	m := regexp.MustCompile(`serving metrics and health endpoints" addr=(\S+)`).FindStringSubmatch(b.stderr())
	if m == nil {
		t.Fatalf("no health server address logged:\n%s", b.stderr())
	}
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + m[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d %s", code, body)
	}
	want := fmt.Sprintf(`pilotlight_replication_applied_rows_total{stream=%q} 5`, stream)
	if _, body := get("/metrics"); !strings.Contains(body, want) {
		t.Errorf("/metrics lacks %s:\n%s", want, body)
	}
}

func TestReplicateNeedsAStart(t *testing.T) {
	r := newReplRig(t)
	res := pl(t, r.env(), nil, r.args()...)
	res.want(t, 1, "replicate without a checkpoint or a start")
	oneLineError(t, res, "no checkpoint for stream "+r.stream)
	for _, want := range []string{"--from-start", "--start-gtid SET"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("the refusal does not explain %s:\n%s", want, res.stderr)
		}
	}

	res = pl(t, r.env(), nil, "replicate", "--standby", r.standby.URL())
	res.want(t, 2, "replicate without --source")
	oneLineError(t, res, "replication.source is not set")

	res = pl(t, r.env(), nil, r.args("--from-start", "--start-gtid", "0-1-1")...)
	res.want(t, 2, "replicate with --from-start and --start-gtid")
}

func TestReplicateStreamsStopsAndResumes(t *testing.T) {
	r := newReplRig(t)
	first := plStart(t, r.env(), r.args("--start-gtid", r.start, "--listen", "127.0.0.1:0")...)
	first.waitLog(t, "replicating")
	r.write(t, 1, 5)
	r.waitRows(t, 5, first)
	checkEndpoints(t, first, r.stream)

	// A second replicate for the stream waits for the lease and applies nothing.
	second := plStart(t, r.env(), r.args()...)
	second.waitLog(t, "waiting")
	r.write(t, 6, 1)
	r.waitRows(t, 6, first)
	if code := second.stop(t); code != 0 {
		t.Errorf("waiting replicate: exit %d after SIGTERM, want 0\n%s", code, second.stderr())
	}
	if strings.Contains(second.stderr(), "msg=replicating") {
		t.Errorf("the second replicate started applying:\n%s", second.stderr())
	}

	if code := first.stop(t); code != 0 {
		t.Fatalf("replicate: exit %d after SIGTERM, want 0\n%s", code, first.stderr())
	}
	res := pl(t, r.env(), nil, "status", "--json", "--source", r.primary.URL(), "--standby", r.standby.URL(),
		"--stream", r.stream)
	res.want(t, 0, "status after replicate")
	var rep statusReport
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	for _, p := range rep.MissingBySource {
		if p.Source == fmt.Sprintf("domain %d", replicateDomain) {
			t.Errorf("transactions of domain %d missing on the standby after a clean stop: %+v", replicateDomain, p)
		}
	}

	// A start flag with a checkpoint is refused.
	res = pl(t, r.env(), nil, r.args("--from-start")...)
	res.want(t, 1, "replicate --from-start with a checkpoint")
	oneLineError(t, res, "already has a checkpoint")

	// Restart: resumes from the checkpoint, nothing applied twice.
	r.write(t, 7, 1) // written while stopped
	again := plStart(t, r.env(), r.args()...)
	again.waitLog(t, "replicating")
	r.write(t, 8, 2)
	r.waitRows(t, 9, again)
	if code := again.stop(t); code != 0 {
		t.Fatalf("restarted replicate: exit %d after SIGTERM, want 0\n%s", code, again.stderr())
	}
	if n := r.count(t, r.sdb); n != 9 {
		t.Errorf("standby has %d rows, want 9", n)
	}
}
