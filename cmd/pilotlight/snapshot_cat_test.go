package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/snapshot"
	"github.com/pilotlight-dr/pilotlight/snapshot/snapshottest"
)

// catPipe pipes script into the stock mariadb client, as an operator
// would (`snapshot cat | mariadb`), and returns the client's error.
func catPipe(t *testing.T, srv *testenv.MariaDB, script string) error {
	t.Helper()
	bin := testenv.RequireBinary(t, "mariadb")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--no-defaults", "--protocol=TCP", "--host="+srv.Host,
		"--port="+strconv.Itoa(srv.Port), "--user="+srv.User)
	cmd.Stdin = strings.NewReader(script)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(out.String()))
	}
	return nil
}

func catDB(t *testing.T, srv *testenv.MariaDB) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", srv.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func catQuery(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	var v sql.NullString
	if err := db.QueryRow(q).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if !v.Valid {
		return "NULL"
	}
	return v.String
}

// fixtureOrdersCents is SUM(shop.orders.total) of the fixture, in cents.
func fixtureOrdersCents() int64 {
	var c int64
	for i := 0; i < snapshottest.Orders; i++ {
		c += int64(i*7%1000)*100 + int64(i%100)
	}
	return c
}

// checkFixtureLoaded compares what a load of the fixture left on the server
// with what the fixture holds, value by value where values are awkward.
func checkFixtureLoaded(t *testing.T, db *sql.DB) {
	t.Helper()
	for q, want := range map[string]string{
		"SELECT COUNT(*) FROM shop.orders":                                        strconv.Itoa(snapshottest.Orders),
		"SELECT CAST(SUM(total)*100 AS SIGNED) FROM shop.orders":                  strconv.FormatInt(fixtureOrdersCents(), 10),
		"SELECT placed FROM shop.orders WHERE id=2":                               "2026-11-02 10:01:13.000997",
		"SELECT memo FROM shop.orders WHERE id=1500":                              `order 1500: 'quoted' \ done`,
		"SELECT name FROM shop.customers WHERE id=1":                              "O'Brien",
		"SELECT note FROM shop.customers WHERE id=1":                              `said "hi" \ left`,
		"SELECT HEX(tag) FROM shop.customers WHERE id=1":                          "00FF00",
		"SELECT name FROM shop.customers WHERE id=2":                              "Zoë 🚀",
		"SELECT note FROM shop.customers WHERE id=2":                              "multi\nline",
		"SELECT HEX(tag) FROM shop.customers WHERE id=2":                          "61620000",
		"SELECT note FROM shop.customers WHERE id=3":                              "NULL",
		"SELECT COUNT(*) FROM shop.audit":                                         "2",
		"SELECT COUNT(*) FROM shop.empty":                                         "0",
		"SELECT COUNT(*) FROM shop.order_totals":                                  "3",
		"SELECT GROUP_CONCAT(email ORDER BY id) FROM crm.leads":                   "a@example.com,b@example.com",
		"SELECT COUNT(*) FROM information_schema.views WHERE table_schema='shop'": "1",
	} {
		if got := catQuery(t, db, q); got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
}

func dropFixtureDBs(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := db.Exec("DROP DATABASE IF EXISTS shop; DROP DATABASE IF EXISTS crm"); err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotCatLoads(t *testing.T) {
	srv := testenv.NewMariaDB(t)
	db := catDB(t, srv)
	forEachStore(t, func(t *testing.T, st snapStore) {
		keyFile, key := snapKey(t, 7)
		wrongKey, _ := snapKey(t, 8)
		plain := snapshottest.Write(t, st.sink, snapshottest.Options{Time: snapDay0})
		sealed := snapshottest.Write(t, st.sink, snapshottest.Options{Time: snapDay0.Add(time.Hour), Key: key})

		r := pl(t, st.env, nil, "snapshot", "cat", st.url, plain.ID)
		r.want(t, 0, "cat")
		for _, bad := range []string{"GTID_PURGED", "SQL_LOG_BIN", "DEFINER"} {
			if strings.Contains(r.stdout, bad) {
				t.Errorf("cat output contains %s", bad)
			}
		}
		dropFixtureDBs(t, db)
		if err := catPipe(t, srv, r.stdout); err != nil {
			t.Fatalf("load the cat output: %v", err)
		}
		checkFixtureLoaded(t, db)

		// Encrypted: no key and a wrong key write nothing and say which key is needed.
		r = pl(t, st.env, nil, "snapshot", "cat", st.url, sealed.ID)
		r.want(t, 1, "cat sealed without key")
		oneLineError(t, r, "is encrypted (key id "+key.ID()+") and no key was given: give --encrypt-key-file")
		if r.stdout != "" {
			t.Errorf("cat without key wrote %d bytes", len(r.stdout))
		}
		r = pl(t, st.env, nil, "snapshot", "cat", "--encrypt-key-file", wrongKey, st.url, sealed.ID)
		r.want(t, 1, "cat sealed with a wrong key")
		oneLineError(t, r, "snapshot needs "+key.ID()+")")
		if r.stdout != "" {
			t.Errorf("cat with a wrong key wrote %d bytes", len(r.stdout))
		}
		r = pl(t, st.env, nil, "snapshot", "cat", "--encrypt-key-file", keyFile, st.url, "latest")
		r.want(t, 0, "cat sealed")
		dropFixtureDBs(t, db)
		if err := catPipe(t, srv, r.stdout); err != nil {
			t.Fatalf("load the sealed cat output: %v", err)
		}
		checkFixtureLoaded(t, db)

		// --table keeps the matching tables and their databases, no views.
		r = pl(t, st.env, nil, "snapshot", "cat", "--table", "shop.orders", "--table", "crm.*", st.url, plain.ID)
		r.want(t, 0, "cat --table")
		if strings.Contains(r.stdout, "`customers`") || strings.Contains(r.stdout, "VIEW") {
			t.Errorf("cat --table kept other objects")
		}
		dropFixtureDBs(t, db)
		if err := catPipe(t, srv, r.stdout); err != nil {
			t.Fatalf("load cat --table: %v", err)
		}
		if got := catQuery(t, db, "SELECT GROUP_CONCAT(CONCAT(table_schema,'.',table_name) ORDER BY 1) FROM information_schema.tables WHERE table_schema IN ('shop','crm')"); got != "crm.leads,shop.orders" {
			t.Errorf("tables after cat --table: %s", got)
		}
		if got := catQuery(t, db, "SELECT COUNT(*) FROM shop.orders"); got != strconv.Itoa(snapshottest.Orders) {
			t.Errorf("orders after cat --table: %s", got)
		}
		r = pl(t, st.env, nil, "snapshot", "cat", "--table", "shop.nope", "--table", "crm.*", st.url, plain.ID)
		r.want(t, 2, "cat --table matching nothing")
		oneLineError(t, r, `--table "shop.nope" matches no table of snapshot `+plain.ID+"; it has shop.audit, shop.customers")
		pl(t, st.env, nil, "snapshot", "cat", "--table", "shop", st.url, plain.ID).want(t, 2, "cat --table without a dot")

		// A damaged chunk: cat fails naming it, and the script it wrote
		// fails to load even without looking at cat's exit code.
		c2 := snapshot.Dir(plain.ID) + ordersChunk(plain, 2).Key
		snapshottest.Rewrite(t, st.sink, c2, func(b []byte) []byte { b = bytes.Clone(b); b[len(b)-30] ^= 0x01; return b })
		r = pl(t, st.env, nil, "snapshot", "cat", st.url, plain.ID)
		r.want(t, 1, "cat damaged")
		oneLineError(t, r, "object "+c2+" is corrupt")
		if !strings.Contains(r.stdout, "SIGNAL SQLSTATE '45000'") {
			t.Errorf("damaged cat output does not end with a failing statement:\n...%s", r.stdout[max(0, len(r.stdout)-300):])
		}
		dropFixtureDBs(t, db)
		if err := catPipe(t, srv, r.stdout); err == nil || !strings.Contains(err.Error(), "incomplete or damaged") {
			t.Errorf("the damaged script loaded: %v", err)
		}
	})
}

// TestSnapshotCatOfEncryptedDump takes a real encrypted snapshot with
// `pilotlight snapshot`, then ls, verify and cat it as an operator would:
// the script cat writes loads with the stock client and equals the source.
func TestSnapshotCatOfEncryptedDump(t *testing.T) {
	src := newSnapSource(t, 300)
	keyFile, key := snapKey(t, 3)
	st := fileSnapStore(t)
	env := []string{"XDG_STATE_HOME=" + t.TempDir()}
	pl(t, env, nil, "snapshot", "--source", src.URL(), "--to", st.url, "--encrypt-key-file", keyFile).want(t, 0, "snapshot")

	r := pl(t, nil, nil, "snapshot", "ls", "--json", st.url)
	r.want(t, 0, "ls")
	var ls []struct {
		ID        string `json:"id"`
		Encrypted bool   `json:"encrypted"`
		KeyID     string `json:"key_id"`
		Rows      int64  `json:"rows"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &ls); err != nil || len(ls) != 1 || !ls[0].Encrypted || ls[0].KeyID != key.ID() {
		t.Fatalf("ls --json: %v\n%s", err, r.stdout)
	}
	pl(t, nil, nil, "snapshot", "verify", "--encrypt-key-file", keyFile, st.url, "latest").want(t, 0, "verify")

	// The key comes from the config the snapshots are taken with.
	cfg := filepath.Join(t.TempDir(), "pilotlight.yaml")
	if err := os.WriteFile(cfg, []byte("snapshot:\n  encrypt_key_file: "+keyFile+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = pl(t, nil, nil, "snapshot", "cat", "--config", cfg, st.url, ls[0].ID)
	r.want(t, 0, "cat")
	target := testenv.NewMariaDB(t)
	if err := catPipe(t, target, r.stdout); err != nil {
		t.Fatalf("load: %v", err)
	}
	tables := []string{"shop.customers", "shop.orders", "shop.audit"}
	tdb := catDB(t, target)
	if got, want := snapChecksums(t, tdb, tables...), snapChecksums(t, src.db, tables...); got != want {
		t.Errorf("loaded: %s, source: %s", got, want)
	}
	if got := catQuery(t, tdb, "SELECT COUNT(*) FROM shop.big_orders"); got == "0" {
		t.Error("the view is empty after the load")
	}

	// Every stored object but the manifest is sealed.
	sealed := 0
	filepath.Walk(filepath.Join(st.dir, "snapshots"), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || strings.Contains(p, "/.pilotlight/") || filepath.Base(p) == snapshot.ManifestName {
			return err
		}
		if b, _ := os.ReadFile(p); !strings.HasSuffix(p, ".sql.zst.aes") || !bytes.HasPrefix(b, []byte("PLSEAL")) {
			t.Errorf("%s is not sealed", p)
		}
		sealed++
		return nil
	})
	if sealed < 5 {
		t.Errorf("only %d sealed objects", sealed)
	}
}
