package sanitize

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The account that loads dumps in these tests: everything on its own
// database and nothing else, as on a managed server (no SUPER, no SET USER).
const loaderUser, loaderPass, loaderAccount = "loader", "loader-pw", "loader@%"

// target is a fresh MariaDB set up as a managed service would be: root set
// log_bin_trust_function_creators (binlog is on, and the loader may not
// create functions otherwise), and the loader owns database db.
type target struct {
	srv  *testenv.MariaDB
	root *sql.DB
	db   string
}

func newTarget(t *testing.T, db string) *target {
	t.Helper()
	srv := testenv.NewMariaDB(t)
	tg := &target{srv: srv, root: openDB(t, srv.DSN("")), db: db}
	mustExec(t, tg.root, "SET GLOBAL log_bin_trust_function_creators = 1",
		"CREATE USER '"+loaderUser+"'@'%' IDENTIFIED BY '"+loaderPass+"'",
		"GRANT ALL ON `"+db+"`.* TO '"+loaderUser+"'@'%'")
	tg.reset(t)
	return tg
}

// reset gives the loader an empty database again (its grant stays).
func (tg *target) reset(t *testing.T) {
	t.Helper()
	mustExec(t, tg.root, "DROP DATABASE IF EXISTS `"+tg.db+"`", "CREATE DATABASE `"+tg.db+"`")
}

// load runs the stock mariadb client as the loader, the dump on its stdin,
// as a DBA would: mariadb -u loader -p db < dump.sql. force is --force (go
// on after errors, to count them all).
func (tg *target) load(t *testing.T, dump []byte, force bool) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"--no-defaults", "--protocol=TCP", "--host=" + tg.srv.Host, "--port=" + strconv.Itoa(tg.srv.Port),
		"--user=" + loaderUser, "--password=" + loaderPass, tg.db}
	if force {
		args = append(args, "--force")
	}
	cmd := exec.CommandContext(ctx, testenv.RequireBinary(t, "mariadb"), args...)
	cmd.Stdin = bytes.NewReader(dump)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// definers maps each view, trigger, routine and event of schema to its definer.
func definers(t *testing.T, db *sql.DB, schema string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, q := range []string{
		"SELECT CONCAT('view ', TABLE_NAME), DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?",
		"SELECT CONCAT('trigger ', TRIGGER_NAME), DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
		"SELECT CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_NAME), DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?",
		"SELECT CONCAT('event ', EVENT_NAME), DEFINER FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?",
	} {
		rows, err := db.Query(q, schema)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			var name, definer string
			if err := rows.Scan(&name, &definer); err != nil {
				t.Fatal(err)
			}
			got[name] = definer
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return got
}

// checkOwnedByLoader checks that the schema holds exactly the objects named
// and that the loader owns each.
func checkOwnedByLoader(t *testing.T, db *sql.DB, schema string, objects ...string) {
	t.Helper()
	got := definers(t, db, schema)
	if len(got) != len(objects) {
		t.Errorf("%s has objects %v, want %v", schema, got, objects)
	}
	for _, o := range objects {
		if d, ok := got[o]; !ok {
			t.Errorf("%s: %s is missing", schema, o)
		} else if d != loaderAccount {
			t.Errorf("%s: %s belongs to %s, want the loading user %s", schema, o, d, loaderAccount)
		}
	}
}

func checksum(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	var name string
	var sum sql.NullString
	if err := db.QueryRow("CHECKSUM TABLE "+table).Scan(&name, &sum); err != nil {
		t.Fatalf("CHECKSUM TABLE %s: %v", table, err)
	}
	if !sum.Valid {
		t.Fatalf("CHECKSUM TABLE %s: the table does not exist", table)
	}
	return sum.String
}

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func mustSanitize(t *testing.T, dump []byte, opt Options) ([]byte, Report) {
	t.Helper()
	var out bytes.Buffer
	rep, err := Sanitize(context.Background(), &out, bytes.NewReader(dump), opt)
	if err != nil {
		t.Fatalf("sanitize: %v", err)
	}
	return out.Bytes(), rep
}

func countOf(s, sub string) int { return bytes.Count([]byte(s), []byte(sub)) }

func must(t *testing.T, what string, out string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v\n%s", what, err, out)
	}
}
