package main

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// firstRig is what a new user has: a fresh private primary and an empty private
// standby (running its event scheduler, so that an event not held there would
// run), root on both, a state directory, and replicate with the README's
// defaults (stream "default").
type firstRig struct {
	primary, standby *testenv.MariaDB
	pdb, sdb         *sql.DB
	state            string
}

func newFirstRig(t *testing.T) *firstRig {
	t.Helper()
	r := &firstRig{primary: testenv.NewMariaDB(t), standby: testenv.NewMariaDB(t, testenv.WithArgs("--event-scheduler=ON")),
		state: t.TempDir()}
	r.pdb = statusOpen(t, r.primary.DSN(""), nil)
	r.sdb = statusOpen(t, r.standby.DSN(""), nil)
	return r
}

func (r *firstRig) env() []string { return []string{"XDG_STATE_HOME=" + r.state} }

// readme is the README's replicate command line for this pair.
func (r *firstRig) readme(extra ...string) []string {
	return append([]string{"replicate", "--source", r.primary.URL(), "--standby", r.standby.URL()}, extra...)
}

// load runs a SQL file through the stock client on the primary, as a DBA would.
func (r *firstRig) load(t *testing.T, file string) {
	t.Helper()
	testenv.RequireBinary(t, "mariadb")
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mariadb", "--no-defaults", "-h", r.primary.Host, "-P", strconv.Itoa(r.primary.Port),
		"-u", "root", "--default-character-set=utf8mb4")
	cmd.Stdin = f
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mariadb < %s: %v\n%s", file, err, out)
	}
}

// position is the primary's @@gtid_binlog_pos.
func (r *firstRig) position(t *testing.T) string {
	t.Helper()
	var pos string
	if err := r.pdb.QueryRow("SELECT @@GLOBAL.gtid_binlog_pos").Scan(&pos); err != nil {
		t.Fatal(err)
	}
	return pos
}

// waitCaughtUp waits until the default stream's checkpoint is the primary's
// position, failing t when replicate exits first.
func (r *firstRig) waitCaughtUp(t *testing.T, bg *bgRun) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		alive(t, bg, "catching up")
		var cp string
		err := r.sdb.QueryRow("SELECT gtid_set FROM pilotlight.checkpoint WHERE stream_id = 'default'").Scan(&cp)
		if err == nil && sameGTIDs(t, cp, r.position(t)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkpoint %q (%v) is not the primary's %s after 2m\nreplicate stderr:\n%s", cp, err, r.position(t), bg.stderr())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// compareDatabases requires every user database of the primary to exist on the
// standby with the same base tables, each with the same definition and
// CHECKSUM TABLE, and reports every difference at once.
func compareDatabases(t *testing.T, pdb, sdb *sql.DB) {
	t.Helper()
	const q = "SELECT CONCAT('`', TABLE_SCHEMA, '`.`', TABLE_NAME, '`') FROM information_schema.TABLES " +
		"WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', " +
		"'sys', 'pilotlight') ORDER BY TABLE_SCHEMA, TABLE_NAME"
	p, s := columnOf(t, pdb, q), columnOf(t, sdb, q)
	if strings.Join(p, ",") != strings.Join(s, ",") {
		t.Errorf("tables differ:\nprimary %v\nstandby %v", p, s)
	}
	if len(p) == 0 {
		t.Fatal("the primary has no table to compare")
	}
	for _, name := range p {
		if pc, sc := columnOf(t, pdb, "CHECKSUM TABLE "+name)[0], columnOf(t, sdb, "CHECKSUM TABLE "+name)[0]; pc != sc {
			t.Errorf("CHECKSUM TABLE %s: primary %s, standby %s", name, pc, sc)
		}
		if pc, sc := columnOf(t, pdb, "SHOW CREATE TABLE "+name)[0], columnOf(t, sdb, "SHOW CREATE TABLE "+name)[0]; pc != sc {
			t.Errorf("SHOW CREATE TABLE %s:\nprimary %s\nstandby %s", name, pc, sc)
		}
	}
}

// columnOf returns the last column of every row of q as text.
func columnOf(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals[len(vals)-1].String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
