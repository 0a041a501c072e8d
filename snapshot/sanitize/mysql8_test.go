package sanitize

import (
	"database/sql"
	"reflect"
	"strings"
	"testing"
)

// threeUUIDs is the GTID_PURGED of testdata/mysql8.sql, which mysqldump writes over three lines.
const threeUUIDs = "0d6f9b8e-1c2a-11ef-8a4e-0a5c3f7e9b21:1-48213,4a1e77c2-1c2b-11ef-9d3f-0e8b2a6c4d10:1-7,9f3c2d1a-5e6b-11ef-b7a8-02c4e1f0a9d3:1-105"

// mysql8Rows are the rows of testdata/mysql8.sql's INSERT, as the server must hold them.
var mysql8Rows = []struct {
	id      int
	note    string
	payload any // nil for NULL, else a string of bytes
}{
	{1, "SET @@GLOBAL.GTID_PURGED='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5';", "\x00'\"\\;\n"},
	{2, "SET @@SESSION.SQL_LOG_BIN= 0;\nSET @MYSQLDUMP_TEMP_LOG_BIN = @@SESSION.SQL_LOG_BIN;", nil},
	{3, "/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */", "DEFINER="},
	{4, "';\nCREATE DEFINER=`root`@`localhost` PROCEDURE `p`() SELECT 1;;\nDELIMITER ;;", nil},
	{5, "-- not a comment; # nor this; /* nor this */ SET GLOBAL gtid_slave_pos='0-1-100';", "*/"},
	{6, "it's \"double\" `back` \\ CHANGE MASTER TO MASTER_HOST='x';", nil},
	{7, "naïve café – 日本語 DEFINER=CURRENT_USER()", "\r\n\x1a"},
}

var mysql8Objects = []string{"view order_notes", "trigger orders_bi", "function order_count", "procedure touch_orders", "event purge_old"}

// TestSanitizeMySQL8StyleDump loads a MySQL 8 mysqldump (written by hand in its exact forms,
// since MySQL cannot run here) into MariaDB as a user without SUPER, once sanitized.
func TestSanitizeMySQL8StyleDump(t *testing.T) {
	dump := readDump(t)
	tg := newTarget(t, "shop")
	if out, err := tg.load(t, dump, false); err == nil || !strings.Contains(out, "ERROR 1227") {
		t.Fatalf("the unsanitized dump loaded for a user without SUPER (%v): this test proves nothing\n%s", err, out)
	}

	tg.reset(t)
	clean, rep := mustSanitize(t, dump, Options{})
	if want := []GTID{{"GTID_PURGED", threeUUIDs}}; !reflect.DeepEqual(rep.GTIDs, want) {
		t.Errorf("GTIDs %+v, want %+v", rep.GTIDs, want)
	}
	if w := whats(rep); !reflect.DeepEqual(w, []string{"SQL_LOG_BIN", "SQL_LOG_BIN", "GTID_PURGED", "SQL_LOG_BIN"}) || rep.Definers != 5 {
		t.Errorf("removed %q and changed %d definers; want SQL_LOG_BIN x3, GTID_PURGED and 5", w, rep.Definers)
	}
	out, err := tg.load(t, clean, false)
	must(t, "load the sanitized dump as "+loaderUser, out, err)
	checkMySQL8Rows(t, tg.root)
	checkOwnedByLoader(t, tg.root, "shop", mysql8Objects...)
}

func checkMySQL8Rows(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.Query("SELECT id, note, payload FROM shop.orders ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		var id int
		var note string
		var payload sql.RawBytes
		if err := rows.Scan(&id, &note, &payload); err != nil {
			t.Fatal(err)
		}
		if i >= len(mysql8Rows) {
			t.Fatalf("row %d is extra", id)
		}
		w := mysql8Rows[i]
		var p any
		if payload != nil {
			p = string(payload)
		}
		if id != w.id || note != w.note || p != w.payload {
			t.Errorf("row %d is (%d, %q, %q), want (%d, %q, %q)", i+1, id, note, p, w.id, w.note, w.payload)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(mysql8Rows) {
		t.Errorf("%d rows, want %d", i, len(mysql8Rows))
	}
}
