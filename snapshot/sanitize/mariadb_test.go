package sanitize

import (
	"context"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// The source schema: one object of every kind, each with DEFINER=root@localhost, and rows
// (and bodies) that contain the very words the filter removes.
var sourceSchema = []string{
	"CREATE DATABASE shop CHARACTER SET utf8mb4",
	"CREATE TABLE shop.items (id INT PRIMARY KEY, note TEXT, b BLOB, n DECIMAL(20,6), d DATETIME(6))",
	`INSERT INTO shop.items VALUES
	 (1, 'SET @@GLOBAL.GTID_PURGED=''x'';\nSQL_LOG_BIN DEFINER=` + "`root`@`localhost`" + ` ', X'00FF27225C0A3B', 1.5, '2024-01-02 03:04:05.678901'),
	 (2, 'SET GLOBAL gtid_slave_pos=''0-1-1'';\nCHANGE MASTER TO MASTER_HOST=''evil'';', NULL, -0.000001, NULL),
	 (3, '/*!50013 DEFINER=` + "`root`@`localhost`" + ` SQL SECURITY DEFINER */ -- # /* ;; DELIMITER ;;', X'2A2F', 0, '1970-01-01 00:00:01'),
	 (4, 'naïve café 日本語 \\ '' " ` + "`" + `', X'', 99999999999999.999999, NULL)`,
	"INSERT INTO shop.items SELECT seq + 10, CONCAT('row ', seq, ' SET @@SESSION.SQL_LOG_BIN=0; DEFINER=x'), UNHEX(SHA2(seq, 256)), seq / 7, NULL FROM shop.seq_1_to_3000",
	"CREATE DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW shop.v_items AS SELECT id, 'DEFINER=`a`@`b` ' AS d FROM shop.items",
	"CREATE DEFINER=`root`@`localhost` TRIGGER shop.items_bi BEFORE INSERT ON shop.items FOR EACH ROW SET NEW.note = CONCAT(NEW.note, '; SET @@SESSION.SQL_LOG_BIN=0;')",
	"CREATE DEFINER=`root`@`localhost` PROCEDURE shop.p_count() BEGIN SELECT 'SET @@GLOBAL.GTID_PURGED=''x'';'; SELECT COUNT(*) FROM shop.items; END",
	"CREATE DEFINER=`root`@`localhost` FUNCTION shop.f_double(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
	// mariadb-dump writes SET sql_mode = '...NO_BACKSLASH_ESCAPES...' before this one: 'C:\' is a whole string
	"SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'; CREATE DEFINER=`root`@`localhost` PROCEDURE shop.p_path() SELECT 'C:\\' AS p; SET SESSION sql_mode = DEFAULT",
	"CREATE DEFINER=`root`@`localhost` EVENT shop.e_tick ON SCHEDULE EVERY 1 DAY DO DELETE FROM shop.items WHERE note = 'DEFINER=';",
}

var shopObjects = []string{"view v_items", "trigger items_bi", "procedure p_count", "procedure p_path", "function f_double", "event e_tick"}

// TestSanitizeRealMariaDBDump sanitizes real mariadb-dump --gtid --master-data=1 output and
// loads it as a user without SUPER: it loads cleanly, every row is intact and every object
// belongs to the loading user. The same dump unsanitized fails for that user at every
// statement the filter changes.
func TestSanitizeRealMariaDBDump(t *testing.T) {
	src := testenv.NewMariaDB(t)
	srcDB := openDB(t, src.DSN(""))
	mustExec(t, srcDB, sourceSchema...)
	var gtidPos string
	if err := srcDB.QueryRow("SELECT @@gtid_binlog_pos").Scan(&gtidPos); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dump, err := exec.CommandContext(ctx, testenv.RequireBinary(t, "mariadb-dump"), "--no-defaults", "--protocol=TCP",
		"--host="+src.Host, "--port="+strconv.Itoa(src.Port), "--user=root",
		"--gtid", "--master-data=1", "--routines", "--triggers", "--events", "--single-transaction", "shop").Output()
	if err != nil {
		t.Fatalf("mariadb-dump: %v", err)
	}
	for _, s := range []string{"CHANGE MASTER TO MASTER_USE_GTID=slave_pos;", "SET GLOBAL gtid_slave_pos='" + gtidPos + "';", "DEFINER=`root`@`localhost`"} {
		if !strings.Contains(string(dump), s) {
			t.Fatalf("the dump has no %s: not the dump this test is about", s)
		}
	}

	tg := newTarget(t, "shop")
	if out, err := tg.load(t, dump, false); err == nil || !strings.Contains(out, "ERROR 1227") {
		t.Fatalf("the unsanitized dump loaded for a user without SUPER (%v): this test proves nothing\n%s", err, out)
	}
	// Every statement the filter changes fails: CHANGE MASTER, SET GLOBAL
	// gtid_slave_pos and the six definers (--force goes on after errors).
	tg.reset(t)
	out, _ := tg.load(t, dump, true)
	if n := countOf(out, "ERROR 1227"); n != 8 {
		t.Errorf("the unsanitized dump gave %d access-denied errors (1227), want 8:\n%s", n, out)
	}

	clean, rep := mustSanitize(t, dump, Options{})
	if want := []GTID{{"gtid_slave_pos", gtidPos}}; !reflect.DeepEqual(rep.GTIDs, want) {
		t.Errorf("GTIDs %+v, want %+v", rep.GTIDs, want)
	}
	if w := whats(rep); !reflect.DeepEqual(w, []string{"CHANGE MASTER", "gtid_slave_pos"}) || rep.Definers != 6 {
		t.Errorf("removed %q and changed %d definers; want CHANGE MASTER, gtid_slave_pos and 6", w, rep.Definers)
	}
	for _, opt := range []Options{{}, {Definer: loaderAccount}} {
		tg.reset(t)
		if opt.Definer != "" {
			clean, _ = mustSanitize(t, dump, opt)
		}
		out, err := tg.load(t, clean, false)
		must(t, "load the sanitized dump as "+loaderUser, out, err)
		if a, b := checksum(t, srcDB, "shop.items"), checksum(t, tg.root, "shop.items"); a != b {
			t.Errorf("definer %q: CHECKSUM TABLE shop.items is %s on the source, %s on the target", opt.Definer, a, b)
		}
		checkOwnedByLoader(t, tg.root, "shop", shopObjects...)
	}
	// The objects work for their new owner.
	loader := openDB(t, strings.Replace(tg.srv.DSN("shop"), "root@", loaderUser+":"+loaderPass+"@", 1))
	var doubled, rows int
	if err := loader.QueryRow("SELECT shop.f_double(21), (SELECT COUNT(*) FROM shop.v_items)").Scan(&doubled, &rows); err != nil || doubled != 42 || rows != 3004 {
		t.Errorf("as the loader: f_double(21) = %d, v_items has %d rows, err %v; want 42, 3004", doubled, rows, err)
	}
	var path string
	if err := loader.QueryRow("CALL shop.p_path()").Scan(&path); err != nil || path != `C:\` {
		t.Errorf("as the loader: CALL p_path() = %q, %v; want C:\\", path, err)
	}
}
