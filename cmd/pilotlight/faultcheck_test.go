package main

// Checks shared by the fault tests: the two sides compared, sessions killed, binlogs purged,
// preflight refusals read.

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// compare checks CHECKSUM TABLE of every sbtest table and of the ledger, and that the
// standby's ledger has no row twice.
func (r *faultRig) compare(t *testing.T, bg *bgRun) {
	t.Helper()
	tables := []string{"ledger"}
	for i := 1; i <= r.tables; i++ {
		tables = append(tables, "sbtest"+strconv.Itoa(i))
	}
	for _, tbl := range tables {
		if p, s := tableChecksum(t, r.pdb, tbl), tableChecksum(t, r.sdb, tbl); p != s {
			t.Errorf("CHECKSUM TABLE %s.%s: primary %d, standby %d", faultSchema, tbl, p, s)
		}
	}
	// The ledger has no key: an insert applied twice is a second row.
	var rows, distinct, primaryRows int
	if err := r.sdb.QueryRow("SELECT COUNT(*), COUNT(DISTINCT seq) FROM "+faultSchema+".ledger").Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if err := r.pdb.QueryRow("SELECT COUNT(*) FROM " + faultSchema + ".ledger").Scan(&primaryRows); err != nil {
		t.Fatal(err)
	}
	if rows != distinct || rows != primaryRows || rows == 0 {
		t.Errorf("standby ledger: %d rows, %d distinct; primary %d rows: a transaction was applied twice or lost",
			rows, distinct, primaryRows)
	}
	if t.Failed() {
		t.Logf("replicate stderr:\n%s", bg.stderr())
	}
}

func tableChecksum(t *testing.T, db *sql.DB, table string) int64 {
	t.Helper()
	var name string
	var sum sql.NullInt64
	if err := db.QueryRow("CHECKSUM TABLE "+faultSchema+"."+table).Scan(&name, &sum); err != nil || !sum.Valid {
		t.Fatalf("CHECKSUM TABLE %s: %v %v", table, sum, err)
	}
	return sum.Int64
}

func sameGTIDs(t *testing.T, a, b string) bool {
	t.Helper()
	ga, err := mysqlx.Parse(mysqlx.MariaDB, a)
	if err != nil {
		t.Fatal(err)
	}
	gb, err := mysqlx.Parse(mysqlx.MariaDB, b)
	if err != nil {
		t.Fatal(err)
	}
	return ga.Equal(gb)
}

// killSessions kills the sessions matching where (information_schema.PROCESSLIST) and
// returns how many; it fails t when none matches.
func killSessions(t *testing.T, db *sql.DB, where string) int {
	t.Helper()
	rows, err := db.Query("SELECT ID FROM information_schema.PROCESSLIST WHERE " + where)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		t.Fatalf("no session matches %s", where)
	}
	for _, id := range ids {
		_, _ = db.Exec(fmt.Sprintf("KILL %d", id)) // it may have ended meanwhile
	}
	return len(ids)
}

func faultExec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// purgeAllButNewest purges every binlog but the newest on the primary.
func purgeAllButNewest(t *testing.T, r *faultRig) {
	t.Helper()
	if _, err := testenv.PurgeBinaryLogs(context.Background(), r.pdb); err != nil {
		t.Fatal(err)
	}
}

// preflightRefusal checks a preflight refusal: one error line saying how many problems,
// then one line per problem (side, check, problem, fix), the fix being grant; no secret.
func preflightRefusal(t *testing.T, res result, grant string, secrets ...string) {
	t.Helper()
	var errLines, problems int
	for _, l := range strings.Split(strings.TrimSpace(res.stderr), "\n") {
		switch {
		case strings.HasPrefix(l, "time="):
		case strings.HasPrefix(l, "pilotlight: "):
			errLines++
			if !strings.Contains(l, "preflight found") {
				t.Errorf("error line %q does not say preflight found problems", l)
			}
		case strings.HasPrefix(l, "source ") || strings.HasPrefix(l, "standby "):
			problems++
		default:
			t.Errorf("stray output line %q", l)
		}
	}
	if errLines != 1 || problems == 0 {
		t.Errorf("want one error line and a line per problem, got %d and %d:\n%s", errLines, problems, res.stderr)
	}
	if !strings.Contains(res.stderr, grant) {
		t.Errorf("the refusal does not give the GRANT %q:\n%s", grant, res.stderr)
	}
	for _, s := range secrets {
		if strings.Contains(res.stdout+res.stderr, s) {
			t.Errorf("output contains a secret:\n%s", res.stderr)
		}
	}
}
