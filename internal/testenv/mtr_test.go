package testenv

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestParseMTR(t *testing.T) {
	out := `TEST                                      RESULT   TIME (ms) or COMMENT
--------------------------------------------------------------------------

worker[01] Using MTR_BUILD_THREAD 300, with reserved ports 19000..19029
main.no_such                             [ skipped ]  not found
main.type_blob                           [ fail ]
        Test ended at 2026-12-07 23:19:47

mysqltest: At line 647: query 'CREATE FUNCTION f1() RETURNS TINYBLOB RETURN 1' failed: ER_BINLOG_UNSAFE_ROUTINE (1418)
The result from queries just before the failure was:
main.type_bit 'innodb'                   w1 [ pass ]    1234
gcol.gcol_bugfixes                       [ fail ]
Result length mismatch
--------------------------------------------------------------------------
main.trigger                             [ skipped ]  Not as root
`
	got := parseMTR(out)
	want := map[string]MTRTest{
		"main.no_such":       {Name: "main.no_such", Status: MTRSkipped, Detail: "not found"},
		"main.type_blob":     {Name: "main.type_blob", Status: MTRFailed, Detail: "mysqltest: At line 647: query 'CREATE FUNCTION f1() RETURNS TINYBLOB RETURN 1' failed: ER_BINLOG_UNSAFE_ROUTINE (1418)"},
		"main.type_bit":      {Name: "main.type_bit", Status: MTRPassed},
		"gcol.gcol_bugfixes": {Name: "gcol.gcol_bugfixes", Status: MTRFailed, Detail: "Result length mismatch"},
		"main.trigger":       {Name: "main.trigger", Status: MTRSkipped, Detail: "Not as root"},
	}
	if len(got) != len(want) {
		t.Errorf("parsed %d files, want %d: %+v", len(got), len(want), got)
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: got %+v, want %+v", name, got[name], w)
		}
	}
}

// TestMTRRun runs a few of MariaDB's own test files against a private server: one that
// runs, one that restarts the server (never run), one that does not exist.
func TestMTRRun(t *testing.T) {
	t.Parallel()
	m := NewMTR(t)
	names, err := m.Tests("main.type_bi*", "main.events_restart")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 3 || names[0] != "main.events_restart" {
		t.Fatalf("Tests listed %v", names)
	}
	if _, err := m.Tests("main.no_such_file_*"); err == nil {
		t.Error("a pattern matching nothing is no error")
	}
	if where, ok := m.StopsServer("main.events_restart"); !ok || !strings.Contains(where, "shutdown_server") {
		t.Errorf("main.events_restart does not stop the server: %q %v", where, ok)
	}

	srv := NewMariaDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	db := openDB(t, srv.DSN(""))
	before := gtidPos(ctx, t, db)
	// main.ps makes the server write a directory into the vardir that mariadb-test-run,
	// when it runs as nobody, cannot read: it aborts, and the run goes on after it.
	res, err := m.Run(ctx, srv.MySQLServer, MTROptions{}, "main.ps", "main.type_bit", "main.events_restart",
		"main.no_such_file")
	if err != nil {
		t.Fatalf("%v\n%s", err, logTail(res.Log, 40))
	}
	t.Logf("%+v", res.Tests)
	for i, want := range []MTRStatus{MTRFailed, MTRFailed, MTRSkipped, MTRSkipped} {
		// The first two may pass against this server's defaults: they must have run.
		if tc := res.Tests[i]; tc.Status != want && (i > 1 || tc.Status != MTRPassed) {
			t.Errorf("%s: %s (%s), want %s", tc.Name, tc.Status, tc.Detail, want)
		}
	}
	if !srv.Running() {
		t.Fatal("the server is not running after the run")
	}
	if after := gtidPos(ctx, t, db); after == before {
		t.Errorf("gtid_binlog_pos still %q: main.type_bit wrote nothing\n%s", after, logTail(res.Log, 40))
	}
}
