package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/binlog"
	"github.com/pilotlight-dr/pilotlight/internal/coord"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// statusDomain is the MariaDB GTID domain the status tests write in, so that
// their per-domain counts are exact even when other tests write to a shared
// primary.
const statusDomain = 4242

// statusRig is a primary with a table to write to, a standby with a fresh
// checkpoint at the primary's position, and a private lease directory.
type statusRig struct {
	primary, standby *testenv.MySQLServer
	pdb, sdb         *sql.DB
	store            *binlog.CheckpointStore
	stream, state    string
}

func statusOpen(t *testing.T, dsn string, params map[string]string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params = params
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func newStatusRig(t *testing.T) *statusRig {
	t.Helper()
	ctx := context.Background()
	r := &statusRig{primary: testenv.MariaDBPrimary(t), standby: testenv.MariaDBStandby(t), state: t.TempDir(),
		stream: fmt.Sprintf("status-test.%x", rand.Uint64())}
	r.pdb = statusOpen(t, r.primary.DSN(""), map[string]string{"gtid_domain_id": strconv.Itoa(statusDomain)})
	r.sdb = statusOpen(t, r.standby.DSN(""), nil)
	for _, q := range []string{"CREATE DATABASE IF NOT EXISTS status_test",
		"CREATE TABLE IF NOT EXISTS status_test.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64))"} {
		if _, err := r.pdb.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	store, err := binlog.NewCheckpointStore(r.sdb, r.stream, mysqlx.MariaDB)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.Init(ctx, r.position(t), 1); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = r.sdb.Exec("DELETE FROM pilotlight.checkpoint WHERE stream_id = ?", r.stream)
	})
	r.store = store
	return r
}

func (r *statusRig) position(t *testing.T) mysqlx.GTIDSet {
	t.Helper()
	g, _, err := mysqlx.ReadGTIDs(context.Background(), r.pdb, mysqlx.MariaDB)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (r *statusRig) write(t *testing.T) {
	t.Helper()
	if _, err := r.pdb.Exec("INSERT INTO status_test.t (v) VALUES (?)", r.stream); err != nil {
		t.Fatal(err)
	}
}

func (r *statusRig) advance(t *testing.T, g mysqlx.GTIDSet, commit time.Time) {
	t.Helper()
	ctx := context.Background()
	tx, err := r.sdb.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.store.Advance(ctx, tx, binlog.Checkpoint{GTIDs: g, SourceCommit: commit, Token: 1}); err != nil {
		_ = tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func (r *statusRig) env() []string { return []string{"XDG_STATE_HOME=" + r.state} }

// status runs `status --json` with the given extra flags and decodes it.
func (r *statusRig) status(t *testing.T, args ...string) statusReport {
	t.Helper()
	args = append([]string{"status", "--json", "--source", r.primary.URL(), "--standby", r.standby.URL(),
		"--stream", r.stream}, args...)
	res := pl(t, r.env(), nil, args...)
	res.want(t, 0, args...)
	var rep statusReport
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("status --json output: %v\n%s", err, res.stdout)
	}
	return rep
}

// domainMissing is the number of missing transactions in statusDomain.
func domainMissing(rep statusReport) uint64 {
	for _, p := range rep.MissingBySource {
		if p.Source == fmt.Sprintf("domain %d", statusDomain) {
			return p.Count
		}
	}
	return 0
}

func TestStatusLagAndRPO(t *testing.T) {
	r := newStatusRig(t)
	r.write(t)
	p1 := r.position(t)
	r.write(t)
	r.write(t)
	p3 := r.position(t)

	// Three transactions missing, none applied yet: lag unknown, RPO not met.
	rep := r.status(t, "--rpo", "1s")
	if domainMissing(rep) != 3 || rep.MissingTransactions < 3 {
		t.Errorf("missing = %d (domain %d: %d), want 3:\n%+v", rep.MissingTransactions, statusDomain, domainMissing(rep), rep)
	}
	if rep.LagSeconds != nil || rep.Lag != "unknown" || rep.RPOOK || rep.ErrantGTIDSet != "" {
		t.Errorf("before any apply: lag %v %q, rpo_ok %v, errant %q", rep.LagSeconds, rep.Lag, rep.RPOOK, rep.ErrantGTIDSet)
	}
	if rep.Applier.State != "not_running" || rep.Source.Flavor != "mariadb" || rep.RPOSeconds != 1 {
		t.Errorf("applier %+v, source %+v, rpo %v", rep.Applier, rep.Source, rep.RPOSeconds)
	}

	// One applied (committed 10 s ago on the source), two missing.
	r.advance(t, p1, time.Now().Add(-10*time.Second))
	rep = r.status(t, "--rpo", "1s")
	if domainMissing(rep) != 2 || rep.LagSeconds == nil || *rep.LagSeconds < 9 || *rep.LagSeconds > 60 || rep.RPOOK {
		t.Errorf("after one applied, --rpo 1s: missing %d, lag %v, rpo_ok %v", domainMissing(rep), rep.LagSeconds, rep.RPOOK)
	}
	if rep := r.status(t, "--rpo", "5m"); !rep.RPOOK || rep.RPOSeconds != 300 {
		t.Errorf("--rpo 5m: rpo_ok %v, rpo_seconds %v", rep.RPOOK, rep.RPOSeconds)
	}
	args := []string{"status", "--source", r.primary.URL(), "--standby", r.standby.URL(), "--stream", r.stream}
	res := pl(t, r.env(), nil, args...)
	res.want(t, 0, args...)
	for _, want := range []string{"not yet on standby", "domain 4242: 2", "NOT MET (target 1s)", "last applied source commit", "no replicate process holds the lease on this host"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, res.stdout)
		}
	}

	// All applied: caught up, whatever the commit time.
	r.advance(t, p3, time.Now().Add(-10*time.Second))
	rep = r.status(t, "--rpo", "1s")
	if domainMissing(rep) != 0 {
		t.Errorf("caught up: domain still misses %d", domainMissing(rep))
	}
	if rep.MissingTransactions == 0 && (rep.Lag != "caught_up" || rep.LagSeconds == nil || *rep.LagSeconds != 0 || !rep.RPOOK) {
		t.Errorf("caught up: lag %q %v, rpo_ok %v", rep.Lag, rep.LagSeconds, rep.RPOOK)
	}

	// The replicate lease held on this host is shown.
	c, err := coord.NewFile(filepath.Join(r.state, "pilotlight"))
	if err != nil {
		t.Fatal(err)
	}
	lease, err := c.Acquire(context.Background(), "replicate/"+r.stream, false)
	if err != nil {
		t.Fatal(err)
	}
	rep = r.status(t)
	_ = lease.Release(context.Background())
	if rep.Applier.State != "running" || rep.Applier.PID != os.Getpid() || rep.Applier.Token != lease.Token() {
		t.Errorf("applier with the lease held: %+v", rep.Applier)
	}

	// A transaction on the checkpoint that the primary never wrote is a red flag.
	errant, err := mysqlx.Parse(mysqlx.MariaDB, p3.String()+",4243-9-5")
	if err != nil {
		t.Fatal(err)
	}
	r.advance(t, errant, time.Time{})
	if rep = r.status(t); rep.ErrantGTIDSet != "4243-9-5" {
		t.Errorf("errant_gtid_set = %q, want 4243-9-5", rep.ErrantGTIDSet)
	}
	res = pl(t, r.env(), nil, args...)
	if !strings.Contains(res.stdout, "RED FLAG: 4243-9-5 is on the standby's checkpoint but not on the primary") {
		t.Errorf("table does not flag the errant transaction:\n%s", res.stdout)
	}
}

func TestStatusFailures(t *testing.T) {
	primary, standby := testenv.MariaDBPrimary(t), testenv.MariaDBStandby(t)
	stream := fmt.Sprintf("status-none.%x", rand.Uint64())
	base := []string{"status", "--standby", standby.URL(), "--stream", stream}

	r := pl(t, nil, nil, append(base, "--source", primary.URL())...)
	r.want(t, 1, "status with no checkpoint")
	oneLineError(t, r, "the standby has no checkpoint for stream "+stream+": start `pilotlight replicate --stream "+stream+"` with --from-start")

	u, _ := url.Parse(primary.URL())
	u.User = url.UserPassword(u.User.Username(), "WrongPassw0rd-9d2f")
	r = pl(t, nil, nil, append(base, "--source", u.String())...)
	r.want(t, 1, "status with a wrong password")
	oneLineError(t, r, "source: connect to", "WrongPassw0rd-9d2f")
	if !strings.Contains(r.stderr, "Access denied") {
		t.Errorf("wrong password: %s", r.stderr)
	}

	r = pl(t, nil, nil, append(base, "--source", "postgres://u:Secret-77aa@db/")...)
	r.want(t, 1, "status with a bad URL")
	oneLineError(t, r, "scheme must be mysql://", "Secret-77aa")

	r = pl(t, nil, nil, append(base, "--source", "mysql://root:Unreach-5e1d@127.0.0.1:1/")...)
	r.want(t, 1, "status with an unreachable source")
	oneLineError(t, r, "source: connect to mysql://root:xxxxx@127.0.0.1:1/: dial tcp", "Unreach-5e1d")

	r = pl(t, nil, nil, append(base, "--source", primary.URL(), "--stream", "no spaces")...)
	r.want(t, 1, "status with a bad stream id")
	oneLineError(t, r, `replication.stream is "no spaces"`)

	r = pl(t, nil, nil, "status", "--standby", standby.URL())
	r.want(t, 1, "status without --source")
	oneLineError(t, r, "replication.source is not set")
}
