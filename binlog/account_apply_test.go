package binlog

import (
	"bytes"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

const accountSecret = "S3cr3t/pw#%"

// accountHistory writes the application's accounts on the primary.
func accountHistory(t *testing.T, env *pairEnv) {
	t.Helper()
	ctx := t.Context()
	c := env.session(t, ctx)
	env.exec(t, ctx, c, "CREATE DATABASE app",
		"CREATE USER app@'%' IDENTIFIED BY '"+accountSecret+"'",
		"GRANT SELECT, INSERT ON app.* TO app@'%'",
		"CREATE ROLE reporting", "GRANT SELECT ON app.* TO reporting", "GRANT reporting TO app@'%'",
		"CREATE USER old@'10.%' IDENTIFIED BY 'x'", "RENAME USER old@'10.%' TO gone@'10.%'", "DROP USER gone@'10.%'",
		"ALTER USER app@'%' WITH MAX_USER_CONNECTIONS 7",
		"GRANT SELECT ON app.* TO CURRENT_USER")
}

// TestAccountStatementsApplied: a promoted standby needs the application's
// accounts, so they arrive with the same password hash, grants and roles.
func TestAccountStatementsApplied(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := newPair(t, ctx)
	accountHistory(t, env)
	var logs bytes.Buffer
	cfg := apConfig
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if err := env.apply(t, ctx, cfg); err != nil {
		t.Fatal(err)
	}
	q := "SELECT CONCAT(User, '@', Host, ' ', authentication_string, ' ', max_user_connections) FROM mysql.user " +
		"WHERE User IN ('app', 'old', 'gone', 'reporting') ORDER BY User, Host"
	p, s := queryAll(t, env.pdb, q), queryAll(t, env.sroot, q)
	if p != s || !strings.Contains(p, "app@%") || strings.Contains(s, "gone") {
		t.Errorf("accounts:\nprimary %s\nstandby %s", p, s)
	}
	g := "SHOW GRANTS FOR app@'%'"
	if p, s := queryAll(t, env.pdb, g), queryAll(t, env.sroot, g); p != s {
		t.Errorf("grants:\nprimary %s\nstandby %s", p, s)
	}
	if strings.Contains(logs.String(), accountSecret) {
		t.Errorf("the password reached the log:\n%s", logs.String())
	}
}

// TestAccountStatementsRefused: a standby user without CREATE USER stops at the
// first account statement with the GTID, the privilege to grant and the option
// to skip, never the password; with SkipAccountStatements they are skipped,
// logged without secrets and counted.
func TestAccountStatementsRefused(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := newPair(t, ctx)
	// An applier without account privileges, as on a managed standby.
	pfExec(t, ctx, env.sroot, "CREATE USER limited@'%' IDENTIFIED BY 'lim'",
		"GRANT ALL ON app.* TO limited@'%'", "GRANT ALL ON pilotlight.* TO limited@'%'")
	applyAs(t, env, "limited", "lim")
	accountHistory(t, env)

	err := env.apply(t, ctx, apConfig)
	if !errors.Is(err, ErrAccountRefused) {
		t.Fatalf("apply: %v, want ErrAccountRefused", err)
	}
	wantAccountError(t, err, "CREATE USER", "GRANT CREATE USER ON *.* TO 'limited'@'%'", "--skip-account-statements", "0-")
	if classify(err) != fatalError {
		t.Errorf("a refused account statement is not fatal")
	}

	var logs bytes.Buffer
	m, err := NewMetrics("acct", nil)
	if err != nil {
		t.Fatal(err)
	}
	skip := apConfig
	skip.SkipAccountStatements, skip.Metrics = true, m
	skip.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	if err := env.apply(t, ctx, skip); err != nil {
		t.Fatal(err)
	}
	if n := testutil.ToFloat64(m.skippedAcct); n != 10 {
		t.Errorf("skipped account statements counted %v, want 10", n)
	}
	if !strings.Contains(logs.String(), "CREATE USER app@'%' IDENTIFIED BY '<redacted>'") || strings.Contains(logs.String(), accountSecret) {
		t.Errorf("skip log lines should name each statement without its password:\n%s", logs.String())
	}
	var n int
	if err := env.sroot.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE User = 'app'").Scan(&n); err != nil || n != 0 {
		t.Errorf("skipped statements were applied: %d app users (%v)", n, err)
	}
	if got := env.checkpoint(t, ctx); got.String() != env.last(t, ctx) {
		t.Errorf("checkpoint %s, want the primary's %s: skipped transactions still move it", got, env.last(t, ctx))
	}
}

// wantAccountError checks that an account statement's error names each of want
// and never the password.
func wantAccountError(t *testing.T, err error, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if strings.Contains(err.Error(), accountSecret) {
		t.Errorf("the error shows the password: %q", err)
	}
}

// applyAs makes env apply as user on the standby; it returns that DSN.
func applyAs(t *testing.T, env *pairEnv, user, password string) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(standbyDSN(t, env))
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd = user, password
	env.sdb = apApplierDB(t, cfg.FormatDSN())
	env.store.db = env.sdb
	return cfg.FormatDSN()
}

func standbyDSN(t *testing.T, env *pairEnv) string {
	t.Helper()
	var port int
	if err := env.sroot.QueryRow("SELECT @@port").Scan(&port); err != nil {
		t.Fatal(err)
	}
	s := &testenv.MySQLServer{Host: "127.0.0.1", Port: port, User: "root"}
	return s.DSN("")
}

// queryAll renders every row of a one-column query, one per line.
func queryAll(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v.String)
	}
	return strings.Join(out, "\n")
}

// TestAccountStatementsOwnAccount: the primary's history rotates the password of
// the account replicate applies as on the standby (the same name on both sides).
// Applied, it would lock replicate out at its next connection; replicate stops
// before it instead, with everything earlier committed and a line naming the
// account and both fixes, and --skip-account-statements goes past it.
func TestAccountStatementsOwnAccount(t *testing.T) {
	t.Parallel()
	ctx := pfCtx(t)
	env := newPair(t, ctx)
	const create = "CREATE USER pl@'%' IDENTIFIED BY 'plpw'"
	pfExec(t, ctx, env.sroot, create, "GRANT ALL ON *.* TO pl@'%' WITH GRANT OPTION")
	c := env.session(t, ctx)
	env.exec(t, ctx, c, "SET sql_log_bin = 0", create, "SET sql_log_bin = 1") // the primary's own, before the stream
	dsn := applyAs(t, env, "pl", "plpw")
	env.exec(t, ctx, c, "CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)", "INSERT INTO app.t VALUES (1)")
	before := env.last(t, ctx)
	env.exec(t, ctx, c, "ALTER USER pl@'%' IDENTIFIED BY '"+accountSecret+"'", "INSERT INTO app.t VALUES (2)")

	err := env.apply(t, ctx, apConfig)
	if !errors.Is(err, ErrOwnAccount) {
		t.Fatalf("apply: %v, want ErrOwnAccount", err)
	}
	wantAccountError(t, err, "ALTER USER", "'pl'@'%'", "--skip-account-statements", "an account of its own")
	if got := env.checkpoint(t, ctx); got.String() != before {
		t.Errorf("checkpoint %s, want %s: everything before the statement commits", got, before)
	}
	fresh := apApplierDB(t, dsn) // a new connection with the old password still works
	if err := fresh.PingContext(ctx); err != nil {
		t.Fatalf("the applier's account changed on the standby: %v", err)
	}

	skip := apConfig
	skip.SkipAccountStatements = true
	if err := env.apply(t, ctx, skip); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := env.sroot.QueryRowContext(ctx, "SELECT COUNT(*) FROM app.t").Scan(&n); err != nil || n != 2 {
		t.Errorf("rows after skipping: %d (%v), want 2", n, err)
	}
}
