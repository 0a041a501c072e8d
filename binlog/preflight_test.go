package binlog

import (
	"errors"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

func pfGTIDs(t *testing.T, f mysqlx.Flavor, s string) mysqlx.GTIDSet {
	t.Helper()
	g, err := mysqlx.Parse(f, s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// pfGoodMySQL is a MySQL primary configured the way pilotlight wants.
func pfGoodMySQL() mysqlx.Server {
	return mysqlx.Server{Flavor: mysqlx.MySQL, Version: "8.4.3", ServerID: 1, LogBin: true,
		BinlogFormat: "ROW", BinlogRowImage: "FULL", BinlogRowMetadata: "FULL", GTIDMode: "ON"}
}

func pfChecks(ps []Problem) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Check)
	}
	return strings.Join(out, ",")
}

func TestSourceSettingsMySQL(t *testing.T) {
	if r := sourceSettings(pfGoodMySQL()); len(r.Problems)+len(r.Warnings) > 0 || r.Err() != nil {
		t.Fatalf("good MySQL primary: %+v", r)
	}
	bad := pfGoodMySQL()
	bad.LogBin, bad.BinlogFormat, bad.BinlogRowImage, bad.GTIDMode, bad.BinlogRowMetadata = false, "MIXED", "MINIMAL", "OFF_PERMISSIVE", "MINIMAL"
	r := sourceSettings(bad)
	if got := pfChecks(r.Problems); got != "log_bin,binlog_format,binlog_row_image,gtid_mode" {
		t.Errorf("problems = %s", got)
	}
	if got := pfChecks(r.Warnings); got != "binlog_row_metadata" {
		t.Errorf("warnings = %s", got)
	}
	msg := r.Err().Error()
	for _, want := range []string{"SET PERSIST binlog_format='ROW'", "SET PERSIST binlog_row_image='FULL'", "gtid_mode is OFF_PERMISSIVE",
		"enforce_gtid_consistency=ON", "log_bin="} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if n := strings.Count(msg, "\n"); n != 3 {
		t.Errorf("want one line per problem, got %d newlines:\n%s", n, msg)
	}
}

func TestSourceSettingsMariaDBWarnings(t *testing.T) {
	srv := mysqlx.Server{Flavor: mysqlx.MariaDB, Version: "10.11.6-MariaDB", LogBin: true,
		BinlogFormat: "ROW", BinlogRowImage: "FULL", BinlogRowMetadata: "MINIMAL"}
	r := sourceSettings(srv)
	if r.Err() != nil {
		t.Fatalf("warnings must not fail: %v", r.Err())
	}
	if got := pfChecks(r.Warnings); got != "gtid_strict_mode,binlog_row_metadata" {
		t.Errorf("warnings = %s", got)
	}
	if !strings.Contains(r.Warnings[0].Fix, "SET GLOBAL gtid_strict_mode='ON'") {
		t.Errorf("fix = %s", r.Warnings[0].Fix)
	}
}

func TestStandbySettings(t *testing.T) {
	src := pfGoodMySQL()
	ok := pfGoodMySQL()
	ok.ServerID, ok.Version = 2, "8.4.5"
	if r := standbySettings(ok, src); r.Err() != nil {
		t.Fatalf("good standby: %v", r.Err())
	}
	maria := mysqlx.Server{Flavor: mysqlx.MariaDB, Version: "10.11.6-MariaDB", ServerID: 1, SuperReadOnly: true}
	r := standbySettings(maria, src)
	if got := pfChecks(r.Problems); got != "flavor,server_id,super_read_only" {
		t.Errorf("problems = %s", got)
	}
	old := pfGoodMySQL()
	old.ServerID, old.Version = 3, "8.0.36"
	if got := pfChecks(standbySettings(old, src).Problems); got != "version" {
		t.Errorf("older standby: problems = %s", got)
	}
}

func TestServerIDs(t *testing.T) {
	id := DefaultServerID("orders-eu")
	if id != DefaultServerID("orders-eu") || id == DefaultServerID("orders-us") {
		t.Errorf("DefaultServerID not stable or not distinct: %d", id)
	}
	if id < 0x7f000000 || id > 0x7fffffff {
		t.Errorf("DefaultServerID %#x outside 0x7f000000..0x7fffffff", id)
	}
	src, sb := mysqlx.Server{ServerID: 1}, mysqlx.Server{ServerID: id}
	if got := pfChecks(ServerIDProblems(id, src, sb)); got != "server_id" {
		t.Errorf("collision with standby: %s", got)
	}
	if got := ServerIDProblems(id, src, mysqlx.Server{ServerID: 2}); len(got) != 0 {
		t.Errorf("no collision: %v", got)
	}
	if got := ServerIDProblems(0, src, sb); len(got) != 1 {
		t.Errorf("server id 0: %v", got)
	}
}

func TestParseGrants(t *testing.T) {
	g := parseGrants([]string{
		"GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*ABC'",
		"GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `u`@`%`",
		"GRANT SELECT, INSERT (`a`, `b`) ON `shop\\_%`.* TO `u`@`%`",
		"GRANT ALL PRIVILEGES ON `pilotlight`.* TO `u`@`%`",
		"GRANT UPDATE ON `other`.`t` TO `u`@`%`",
	})
	for _, c := range []struct {
		priv, schema string
		want         bool
	}{
		{"REPLICATION SLAVE", "", true},
		{"REPLICATION CLIENT", "", true}, // BINLOG MONITOR
		{"SELECT", "", false},
		{"SELECT", "shop_eu", true},
		{"SELECT", "shopXeu", false}, // \_ is a literal underscore
		{"INSERT", "shop_eu", false}, // column-level only
		{"DROP", "pilotlight", true},
		{"UPDATE", "other", false}, // table-level only
	} {
		if got := g.has(c.priv, c.schema); got != c.want {
			t.Errorf("has(%s, %q) = %v, want %v", c.priv, c.schema, got, c.want)
		}
	}
	if g.roles {
		t.Error("no role was granted")
	}
	if !parseGrants([]string{"GRANT `dr_role` TO `u`@`%`"}).roles {
		t.Error("role grant not noticed")
	}
	root := parseGrants([]string{"GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"})
	if !root.has("REPLICATION SLAVE", "") || !root.has("DROP", "x") {
		t.Error("ALL PRIVILEGES ON *.* must cover everything")
	}
}

func TestPrivilegeProblems(t *testing.T) {
	g := parseGrants([]string{"GRANT SELECT ON `shop`.* TO `u`@`%`"})
	g.user = quoteUser("u@%")
	maria := mysqlx.Server{Flavor: mysqlx.MariaDB, Version: "10.11.6-MariaDB"}
	r := sourcePrivileges(maria, g, []string{"shop", "crm"})
	msg := r.Err().Error()
	for _, want := range []string{"GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'u'@'%';", "GRANT SELECT ON `crm`.* TO 'u'@'%';"} {
		if !strings.Contains(msg, want) {
			t.Errorf("source error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "`shop`") {
		t.Errorf("SELECT on shop is granted:\n%s", msg)
	}
	if msg := sourcePrivileges(pfGoodMySQL(), g, nil).Err().Error(); !strings.Contains(msg, "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.*") ||
		!strings.Contains(msg, "GRANT SELECT ON *.*") {
		t.Errorf("MySQL source error:\n%s", msg)
	}
	msg = standbyPrivileges(g, []string{"shop"}).Err().Error()
	for _, want := range []string{"on schema pilotlight", "ON `pilotlight`.* TO 'u'@'%'", "lacks INSERT, UPDATE"} {
		if !strings.Contains(msg, want) {
			t.Errorf("standby error lacks %q:\n%s", want, msg)
		}
	}
}

func TestPurgedProblemMySQL(t *testing.T) {
	const a, b = "3e11fa47-71ca-11e1-9e33-c80aa9429562", "4f22fa47-71ca-11e1-9e33-c80aa9429562"
	purged := pfGTIDs(t, mysqlx.MySQL, a+":1-100,"+b+":1-5")
	if err := purgedProblem(purged, pfGTIDs(t, mysqlx.MySQL, a+":1-150,"+b+":1-5")); err != nil {
		t.Fatalf("start covers purged: %v", err)
	}
	err := purgedProblem(purged, pfGTIDs(t, mysqlx.MySQL, a+":1-40"))
	if !errors.Is(err, ErrPurged) {
		t.Fatalf("err = %v, want ErrPurged", err)
	}
	for _, want := range []string{a + ":41-100", b + ":1-5", "(65 transactions)", "snapshot", "binlog retention hours"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if err := purgedProblem(mysqlx.GTIDSet{}, mysqlx.GTIDSet{}); err != nil {
		t.Errorf("nothing purged, start from the beginning: %v", err)
	}
}

func TestPurgedProblemMariaDB(t *testing.T) {
	oldest := pfGTIDs(t, mysqlx.MariaDB, "0-1-100,7-2-20")
	if err := purgedProblem(oldest, pfGTIDs(t, mysqlx.MariaDB, "0-1-100,7-2-25,9-1-3")); err != nil {
		t.Fatalf("start at or after the oldest binlog: %v", err)
	}
	err := purgedProblem(oldest, pfGTIDs(t, mysqlx.MariaDB, "0-1-60"))
	if !errors.Is(err, ErrPurged) {
		t.Fatalf("err = %v, want ErrPurged", err)
	}
	for _, want := range []string{"domain 0 seq 61-100 (40 transactions)", "domain 7 seq 1-20"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}
