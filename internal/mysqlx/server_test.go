package mysqlx

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

func openPrimary(t *testing.T, ctx context.Context) (Endpoint, *testenv.MySQLServer) {
	t.Helper()
	srv := testenv.MariaDBPrimary(t)
	e, err := ParseURL(srv.URL())
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", srv.URL(), err)
	}
	return e, srv
}

func TestDetectFlavorMariaDB(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e, srv := openPrimary(t, ctx)
	db, err := e.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	s, err := DetectFlavor(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if s.Flavor != MariaDB || !strings.Contains(s.Version, "MariaDB") || s.ServerID != uint32(srv.ServerID) ||
		!s.LogBin || s.BinlogFormat != "ROW" || s.BinlogRowImage != "FULL" || s.GTIDMode != "" || s.ServerUUID != "" {
		t.Fatalf("DetectFlavor = %+v", s)
	}
	if s.GTIDExecuted.Flavor() != MariaDB || !strings.Contains(s.Identity(), fmt.Sprint("server_id=", srv.ServerID)) {
		t.Fatalf("GTIDs %q / identity %q", s.GTIDExecuted, s.Identity())
	}

	// One committed transaction moves the binlog position by exactly one.
	name := fmt.Sprintf("mysqlx_%d", time.Now().UnixNano())
	for _, q := range []string{"CREATE DATABASE " + name, "CREATE TABLE " + name + ".t (id INT PRIMARY KEY, v VARCHAR(10))"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	before, _, err := ReadGTIDs(ctx, db, MariaDB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO "+name+".t VALUES (?, ?)", 1, "one"); err != nil {
		t.Fatal(err)
	}
	after, current, err := ReadGTIDs(ctx, db, MariaDB)
	if err != nil {
		t.Fatal(err)
	}
	grew, err := after.Subtract(before)
	if err != nil || grew.Count() != 1 || !after.Contains(before) || before.Contains(after) {
		t.Fatalf("before %q after %q: grew %q (%d), %v", before, after, grew, grew.Count(), err)
	}
	if back, _ := before.Subtract(after); !back.IsEmpty() {
		t.Fatalf("before - after = %q, want empty", back)
	}
	if !current.Contains(after) {
		t.Fatalf("gtid_current_pos %q does not contain gtid_binlog_pos %q", current, after)
	}
	if _, err := db.ExecContext(ctx, "DROP DATABASE "+name); err != nil {
		t.Fatal(err)
	}
}

func TestOpenWrongPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, srv := openPrimary(t, ctx)
	const secret = "Wr0ngPassw0rd"
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(srv.User, secret)
	e, err := ParseURL(u.String())
	if err != nil {
		t.Fatal(err)
	}
	db, err := e.Open(ctx)
	if err == nil {
		db.Close()
		t.Fatal("Open with a wrong password succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, secret) || !strings.Contains(msg, e.Addr()) || !strings.Contains(msg, "Access denied") {
		t.Fatalf("error %q: want host %s and the auth problem, never the password", msg, e.Addr())
	}
}
