package sanitize

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// TestSanitizeRefusesWhatIsNotADump: text that is not SQL is an error that
// says so and why, before a byte is written, and never quotes the input.
func TestSanitizeRefusesWhatIsNotADump(t *testing.T) {
	const secret = "Hunter2-s3cret"
	for _, c := range []struct{ name, in, want string }{
		{"/etc/passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n", "line 1 does not begin with a SQL statement"},
		{"shell script after comments", "#!/bin/sh\n# backup\n\nmysqldump shop > shop.sql\n", "line 4 does not begin with a SQL statement"},
		{"CSV", "id,name,email\n1,ann,a@example.com\n", "line 1 does not begin"},
		{"mysqldump --xml", "<?xml version=\"1.0\"?>\n<mysqldump xmlns:xsi=\"x\">\n", "is XML (mysqldump --xml?)"},
		{"HTML error page", "<!DOCTYPE html>\n<html><body>403 Forbidden</body></html>\n", "is markup"},
		{"JSON", "{\"id\": \"20261201T021500Z-3f9a1c2e\"}\n", "looks like JSON"},
		{"my.cnf with a password", "[client]\nuser=admin\npassword=" + secret + "\n", "looks like JSON or an INI section"},
		{"key file", secret + "\n", "line 1 does not begin"},
		{"empty", "", "the input is empty"},
		{"white space only", " \n\n\t\n", "the input is empty"},
		{"comments only", "-- MySQL dump 10.13\n/* nothing */\n# at all\n", "holds only comments and no SQL statement"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, buf := range []int{0, minBuffer} {
				out, _, err := sanitizeBytes(t, []byte(c.in), Options{BufferSize: buf})
				if !errors.Is(err, ErrNotSQL) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("buffer %d: err = %v, want ErrNotSQL saying %q", buf, err, c.want)
				}
				if out != "" {
					t.Errorf("buffer %d: %d bytes written before the error: %q", buf, len(out), out)
				}
				if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "root:x") {
					t.Errorf("the error quotes the input: %v", err)
				}
			}
		})
	}
}

// TestSanitizeAcceptsEveryKindOfDumpStart: what legitimate dumps begin with
// is accepted, however the reads cut it.
func TestSanitizeAcceptsEveryKindOfDumpStart(t *testing.T) {
	longHeader := "/*\n" + strings.Repeat(" * a licence header longer than the window\n", 3000) + " */\n"
	for name, in := range map[string]string{
		"mysqldump header":            "-- MySQL dump 10.13  Distrib 8.0.36\n--\n-- Host: x    Database: shop\n\n/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n",
		"mariadb-dump sandbox line":   "/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19\nCREATE TABLE t (a int);\n",
		"only CREATE statements":      "CREATE DATABASE shop;\nUSE shop;\nCREATE TABLE t (a int);\n",
		"lower case, hand-written":    "create table t (a int);\ninsert into t values (1);\n",
		"byte order mark":             "\xef\xbb\xbfSET NAMES utf8mb4;\n",
		"DELIMITER first":             "DELIMITER ;;\nCREATE PROCEDURE p() BEGIN SELECT 1; END;;\nDELIMITER ;\n",
		"a long comment header":       longHeader + "INSERT INTO t VALUES (1);\n",
		"hash and dash comments":      "# made by hand\n-- and this\n\n\nSTART TRANSACTION;\nCOMMIT;\n",
		"empty statements and parens": ";\n(SELECT 1) UNION (SELECT 2);\n",
		"mydumper schema file":        "/*!40101 SET NAMES binary*/;\nCREATE TABLE `t` (\n  `a` int\n);\n",
	} {
		t.Run(name, func(t *testing.T) {
			got, _ := sanitizeEveryWay(t, in, Options{})
			if got != in {
				t.Errorf("output differs from the input: %.80q", got)
			}
		})
	}
}

// TestSanitizeAcceptsRealDumps runs the real mariadb-dump and mysqldump
// with the options that change how a dump begins (comments or not, data or
// only CREATE statements), plain, gzip and zstd: every one is accepted. The
// same tools' --xml output is refused.
func TestSanitizeAcceptsRealDumps(t *testing.T) {
	src := testenv.NewMariaDB(t)
	db := openDB(t, src.DSN(""))
	mustExec(t, db, "CREATE DATABASE sniff", "CREATE TABLE sniff.t (id INT PRIMARY KEY, note TEXT)",
		"INSERT INTO sniff.t VALUES (1, 'one'), (2, 'two')",
		"CREATE DEFINER=`root`@`localhost` VIEW sniff.v AS SELECT id FROM sniff.t")
	dump := func(tool string, opts ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		args := append([]string{"--no-defaults", "--protocol=TCP", "--host=" + src.Host, "--port=" + strconv.Itoa(src.Port), "--user=root"}, opts...)
		out, err := exec.CommandContext(ctx, testenv.RequireBinary(t, tool), append(args, "sniff")...).Output()
		if err != nil {
			t.Fatalf("%s %v: %v", tool, opts, err)
		}
		return out
	}
	zw, _ := zstd.NewWriter(nil)
	for _, tool := range []string{"mariadb-dump", "mysqldump"} {
		for _, opts := range [][]string{{}, {"--no-data"}, {"--skip-comments"}, {"--compact"}, {"--compact", "--no-data"}, {"--no-create-info", "--skip-comments"}} {
			plain := dump(tool, opts...)
			var gz bytes.Buffer
			w := gzip.NewWriter(&gz)
			w.Write(plain)
			w.Close()
			for form, in := range map[string][]byte{"plain": plain, "gzip": gz.Bytes(), "zstd": zw.EncodeAll(plain, nil)} {
				name := fmt.Sprintf("%s %s %s", tool, strings.Join(opts, " "), form)
				out, rep, err := sanitizeBytes(t, in, Options{})
				if err != nil {
					t.Errorf("%s: %v (the dump begins %.60q)", name, err, plain)
					continue
				}
				if rep.BytesIn != int64(len(plain)) || len(out) == 0 {
					t.Errorf("%s: read %d of %d bytes, wrote %d", name, rep.BytesIn, len(plain), len(out))
				}
			}
		}
		xml := dump(tool, "--xml")
		if _, _, err := sanitizeBytes(t, xml, Options{}); !errors.Is(err, ErrNotSQL) || !strings.Contains(err.Error(), "XML") {
			t.Errorf("%s --xml: %v, want ErrNotSQL naming XML", tool, err)
		}
	}
}
