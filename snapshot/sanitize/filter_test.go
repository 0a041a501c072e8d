package sanitize

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// bq lets the cases below write ~ for a backtick, which Go raw strings cannot hold.
func bq(s string) string { return strings.ReplaceAll(s, "~", "`") }

// chunkReader returns its input in reads of random sizes (1 to 97 bytes).
type chunkReader struct {
	r   io.Reader
	rnd *rand.Rand
}

func (c *chunkReader) Read(p []byte) (int, error) {
	n := 1 + c.rnd.IntN(97)
	return c.r.Read(p[:min(n, len(p))])
}

// sanitizeEveryWay runs Sanitize over in with the default buffer, with the
// smallest buffer fed one byte per read, and with small buffers of several
// sizes fed in random chunks, so that every statement and token is cut at
// every place; all must give the same output and report.
func sanitizeEveryWay(t *testing.T, in string, opt Options) (string, Report) {
	t.Helper()
	run := func(r io.Reader, size int) (string, Report) {
		var out bytes.Buffer
		o := opt
		o.BufferSize = size
		rep, err := Sanitize(context.Background(), &out, r, o)
		if err != nil {
			t.Fatalf("Sanitize (buffer %d): %v", size, err)
		}
		return out.String(), rep
	}
	want, wantRep := run(strings.NewReader(in), 0)
	check := func(how string, got string, rep Report) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: output differs from the default run:\n got %q\nwant %q", how, got, want)
		}
		if !reflect.DeepEqual(rep, wantRep) {
			t.Fatalf("%s: report differs:\n got %+v\nwant %+v", how, rep, wantRep)
		}
	}
	got, rep := run(iotest.OneByteReader(strings.NewReader(in)), minBuffer)
	check("one byte per read", got, rep)
	for size := minBuffer; size < minBuffer+8; size++ {
		got, rep := run(&chunkReader{strings.NewReader(in), rand.New(rand.NewPCG(uint64(size), 1))}, size)
		check(fmt.Sprintf("buffer %d, random reads", size), got, rep)
	}
	return want, wantRep
}

func whats(rep Report) []string {
	var w []string
	for _, r := range rep.Removed {
		w = append(w, r.What)
	}
	return w
}

func TestSanitizeStatements(t *testing.T) {
	cases := []struct {
		name, in, want string
		removed        []string
		gtids          []GTID
		definers       int
	}{{
		name: "mysqldump 8 header: SQL_LOG_BIN saved and set, GTID_PURGED over three lines",
		in: "/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\nSET @MYSQLDUMP_TEMP_LOG_BIN = @@SESSION.SQL_LOG_BIN;\nSET @@SESSION.SQL_LOG_BIN= 0;\n\n" +
			"--\n-- GTID state at the beginning of the backup \n--\n\n" +
			"SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ 'aaaaaaaa-1111-11ef-8a4e-0a5c3f7e9b21:1-5,\nbbbbbbbb-2222-11ef-9d3f-0e8b2a6c4d10:1-10,\ncccccccc-3333-11ef-b7a8-02c4e1f0a9d3:1-3';\n\nCREATE TABLE t (a int);\n",
		want:    "/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n\n--\n-- GTID state at the beginning of the backup \n--\n\n\nCREATE TABLE t (a int);\n",
		removed: []string{"SQL_LOG_BIN", "SQL_LOG_BIN", "GTID_PURGED"},
		gtids:   []GTID{{"GTID_PURGED", "aaaaaaaa-1111-11ef-8a4e-0a5c3f7e9b21:1-5,bbbbbbbb-2222-11ef-9d3f-0e8b2a6c4d10:1-10,cccccccc-3333-11ef-b7a8-02c4e1f0a9d3:1-3"}},
	}, {
		name:    "mysqldump 5.7 GTID_PURGED and the restore at the end",
		in:      "SET @@GLOBAL.GTID_PURGED='466f1ddc-8076-11e9-ace2-42010aa6000e:1-1564788';\nINSERT INTO t VALUES (1);\nSET @@SESSION.SQL_LOG_BIN = @MYSQLDUMP_TEMP_LOG_BIN;\n/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n",
		want:    "INSERT INTO t VALUES (1);\n/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n",
		removed: []string{"GTID_PURGED", "SQL_LOG_BIN"},
		gtids:   []GTID{{"GTID_PURGED", "466f1ddc-8076-11e9-ace2-42010aa6000e:1-1564788"}},
	}, {
		name:    "mysqldump of a server without GTIDs: an empty set",
		in:      "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '';\nSELECT 1;\n",
		want:    "SELECT 1;\n",
		removed: []string{"GTID_PURGED"},
		gtids:   []GTID{{"GTID_PURGED", ""}},
	}, {
		name: "mariadb-dump --gtid --master-data=1",
		in: "/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19\n/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\nCHANGE MASTER TO MASTER_USE_GTID=slave_pos;\n\n" +
			"-- CHANGE MASTER TO MASTER_LOG_FILE='binlog.000001', MASTER_LOG_POS=2201;\n\nSELECT 1;\n-- Preferably use GTID to start replication from GTID position:\n\nSET GLOBAL gtid_slave_pos='0-1-100,1-2-7';\n/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n",
		want: "/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19\n/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n\n" +
			"-- CHANGE MASTER TO MASTER_LOG_FILE='binlog.000001', MASTER_LOG_POS=2201;\n\nSELECT 1;\n-- Preferably use GTID to start replication from GTID position:\n\n/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n",
		removed: []string{"CHANGE MASTER", "gtid_slave_pos"},
		gtids:   []GTID{{"gtid_slave_pos", "0-1-100,1-2-7"}},
	}, {
		name:    "--dump-slave: replication statements, MySQL 8.0.23 names too",
		in:      "STOP ALL SLAVES;\nSTOP REPLICA;\nCHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='b.000002', SOURCE_LOG_POS=4;\nCHANGE MASTER 'm1' TO MASTER_LOG_FILE='b.1', MASTER_LOG_POS=4;\nSTART SLAVE;\nSTART TRANSACTION;\n",
		want:    "START TRANSACTION;\n",
		removed: []string{"STOP ALL", "STOP REPLICA", "CHANGE REPLICATION", "CHANGE MASTER", "START SLAVE"},
	}, {
		name:    "mysqlpump: SQL_LOG_BIN among its SET lines",
		in:      "SET @OLD_SQL_MODE=@@SQL_MODE;\nSET SQL_MODE=\"NO_AUTO_VALUE_ON_ZERO\";\nSET @@SESSION.SQL_LOG_BIN= 0;\nSET @OLD_TIME_ZONE=@@TIME_ZONE;\nDELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\n;\n",
		want:    "SET @OLD_SQL_MODE=@@SQL_MODE;\nSET SQL_MODE=\"NO_AUTO_VALUE_ON_ZERO\";\nSET @OLD_TIME_ZONE=@@TIME_ZONE;\nDELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\n;\n",
		removed: []string{"SQL_LOG_BIN"},
	}, {
		name:    "only the SQL_LOG_BIN assignment leaves a SET that has others; a session scope moves on",
		in:      "SET @a = 1, SQL_LOG_BIN = 0, @b = 'SQL_LOG_BIN';\nSET SESSION sql_log_bin=0, foreign_key_checks=0;\n/*!40101 SET @x=@@sql_log_bin, y=2 */;\n",
		want:    "SET @a = 1, @b = 'SQL_LOG_BIN';\nSET SESSION foreign_key_checks=0;\n/*!40101 SET y=2 */;\n",
		removed: []string{"SQL_LOG_BIN", "SQL_LOG_BIN", "SQL_LOG_BIN"},
	}, {
		name: "user variables and strings that look like the variables stay",
		in:   "SET @sql_log_bin = 1, @gtid_purged = 'x';\nSET @s = 'SET @@GLOBAL.GTID_PURGED=''x'';';\nSELECT @@GLOBAL.GTID_PURGED;\n",
		want: "SET @sql_log_bin = 1, @gtid_purged = 'x';\nSET @s = 'SET @@GLOBAL.GTID_PURGED=''x'';';\nSELECT @@GLOBAL.GTID_PURGED;\n",
	}, {
		name:    "comments with quotes do not open strings",
		in:      "-- it's a comment\n# and it's another\n/* it's a third */ SET @@SESSION.SQL_LOG_BIN=0;\nSELECT 1--1, 'a' /* x' */;\nSET @@SESSION.SQL_LOG_BIN=1;",
		want:    "-- it's a comment\n# and it's another\n/* it's a third */ SELECT 1--1, 'a' /* x' */;\n",
		removed: []string{"SQL_LOG_BIN", "SQL_LOG_BIN"},
	}, {
		name: "definers on every kind of object, mysqldump's forms",
		in: bq("/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=~root~@~localhost~ SQL SECURITY DEFINER */\n/*!50001 VIEW ~v~ AS select 'DEFINER=~a~@~b~ ' AS ~d~ */;\n" +
			"DELIMITER ;;\n/*!50003 CREATE*/ /*!50017 DEFINER=~root~@~localhost~*/ /*!50003 TRIGGER ~t~ BEFORE INSERT ON ~x~ FOR EACH ROW BEGIN SET NEW.a = 'DEFINER=~q~@~r~;'; END */;;\n" +
			"/*!50106 CREATE*/ /*!50117 DEFINER='rdsadmin'@'localhost'*/ /*!50106 EVENT ~e~ ON SCHEDULE EVERY 1 DAY DO DELETE FROM x WHERE a = ';;' */ ;;\n" +
			"CREATE DEFINER=~root~@~%~ PROCEDURE ~p~()\nBEGIN\n  SELECT 'CREATE DEFINER=~z~@~z~ PROCEDURE'; -- DEFINER=~c~@~c~\nEND ;;\n" +
			"CREATE DEFINER=CURRENT_USER FUNCTION ~f~() RETURNS int RETURN 1 ;;\nCREATE DEFINER=CURRENT_USER() FUNCTION ~g~() RETURNS int RETURN 2 ;;\nDELIMITER ;\n" +
			"CREATE TABLE ~d~ (a int) COMMENT 'CREATE DEFINER=~x~@~y~';\n"),
		want: bq("/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 SQL SECURITY DEFINER */\n/*!50001 VIEW ~v~ AS select 'DEFINER=~a~@~b~ ' AS ~d~ */;\n" +
			"DELIMITER ;;\n/*!50003 CREATE*/ /*!50017 */ /*!50003 TRIGGER ~t~ BEFORE INSERT ON ~x~ FOR EACH ROW BEGIN SET NEW.a = 'DEFINER=~q~@~r~;'; END */;;\n" +
			"/*!50106 CREATE*/ /*!50117 */ /*!50106 EVENT ~e~ ON SCHEDULE EVERY 1 DAY DO DELETE FROM x WHERE a = ';;' */ ;;\n" +
			"CREATE PROCEDURE ~p~()\nBEGIN\n  SELECT 'CREATE DEFINER=~z~@~z~ PROCEDURE'; -- DEFINER=~c~@~c~\nEND ;;\n" +
			"CREATE FUNCTION ~f~() RETURNS int RETURN 1 ;;\nCREATE FUNCTION ~g~() RETURNS int RETURN 2 ;;\nDELIMITER ;\n" +
			"CREATE TABLE ~d~ (a int) COMMENT 'CREATE DEFINER=~x~@~y~';\n"),
		definers: 6,
	}, {
		name: "data rows with the very words stay byte for byte",
		in: bq("INSERT INTO ~t~ VALUES (1,'SET @@GLOBAL.GTID_PURGED=\\'x\\';\\nSET @@SESSION.SQL_LOG_BIN= 0;'),(2,'\\\\'),(3,\"DEFINER=~root~@~localhost~ \\\";\\nCHANGE MASTER TO x;\"),(4,'it''s;'),(5,_binary '\\0\\'\\\\;*/--');\n" +
			"INSERT INTO ~we;ird~ VALUES (-1,'-- x'),(--2\n3,'# y');\n"),
		want: bq("INSERT INTO ~t~ VALUES (1,'SET @@GLOBAL.GTID_PURGED=\\'x\\';\\nSET @@SESSION.SQL_LOG_BIN= 0;'),(2,'\\\\'),(3,\"DEFINER=~root~@~localhost~ \\\";\\nCHANGE MASTER TO x;\"),(4,'it''s;'),(5,_binary '\\0\\'\\\\;*/--');\n" +
			"INSERT INTO ~we;ird~ VALUES (-1,'-- x'),(--2\n3,'# y');\n"),
	}, {
		name: "a routine created under NO_BACKSLASH_ESCAPES, as mysqldump writes it: a backslash is just a byte",
		in: bq("/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;\n/*!50003 SET sql_mode = 'STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES' */ ;\n" +
			"DELIMITER ;;\nCREATE DEFINER=~root~@~localhost~ PROCEDURE ~p~() SELECT 'C:\\' ;;\nDELIMITER ;\n/*!50003 SET sql_mode = @saved_sql_mode */ ;\n" +
			"SET @@SESSION.SQL_LOG_BIN=0;\nINSERT INTO t VALUES ('it\\'s; SET @@SESSION.SQL_LOG_BIN=0;');\n"),
		want: bq("/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;\n/*!50003 SET sql_mode = 'STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES' */ ;\n" +
			"DELIMITER ;;\nCREATE PROCEDURE ~p~() SELECT 'C:\\' ;;\nDELIMITER ;\n/*!50003 SET sql_mode = @saved_sql_mode */ ;\n" +
			"INSERT INTO t VALUES ('it\\'s; SET @@SESSION.SQL_LOG_BIN=0;');\n"),
		removed:  []string{"SQL_LOG_BIN"},
		definers: 1,
	}, {
		name:    "a UTF-8 byte order mark and CRLF line ends",
		in:      "\xef\xbb\xbf-- dump\r\nSET @@SESSION.SQL_LOG_BIN= 0;\r\nSELECT 1;\r\n",
		want:    "\xef\xbb\xbf-- dump\r\nSELECT 1;\r\n",
		removed: []string{"SQL_LOG_BIN"},
	}, {
		name:    "the last statement has no delimiter",
		in:      "SELECT 1;\nSET @@SESSION.SQL_LOG_BIN= 0",
		want:    "SELECT 1;\n",
		removed: []string{"SQL_LOG_BIN"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, rep := sanitizeEveryWay(t, c.in, Options{})
			if got != c.want {
				t.Errorf("output:\n got %q\nwant %q", got, c.want)
			}
			if w := whats(rep); !reflect.DeepEqual(w, c.removed) {
				t.Errorf("removed %q, want %q", w, c.removed)
			}
			if !reflect.DeepEqual(rep.GTIDs, c.gtids) {
				t.Errorf("GTIDs %+v, want %+v", rep.GTIDs, c.gtids)
			}
			if rep.Definers != c.definers {
				t.Errorf("%d definers changed, want %d", rep.Definers, c.definers)
			}
			if rep.BytesIn != int64(len(c.in)) || rep.BytesOut != int64(len(got)) {
				t.Errorf("bytes in/out %d/%d, want %d/%d", rep.BytesIn, rep.BytesOut, len(c.in), len(got))
			}
		})
	}
}
