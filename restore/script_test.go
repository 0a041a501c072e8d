package restore

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestRunScript(t *testing.T) {
	script := "/*!40101 SET NAMES utf8mb4*/;\n" +
		"-- a comment; with a semicolon\n" +
		"USE `db;1`;\n" +
		"INSERT INTO t (a,b) VALUES\n('x;y','it''s'),\n('back\\'slash;', \"dq;\") ;\n" +
		"/* plain; comment */ SELECT 1; # trailing; comment\n" +
		"DELIMITER ;;\n" +
		"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 'x;'; SET NEW.b = 2; END;;\n" +
		"DELIMITER ;\n" +
		"SELECT 2--\n;\n" +
		"SELECT 3"
	var got []string
	if err := runScript(strings.NewReader(script), func(s []byte) error { got = append(got, string(s)); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/*!40101 SET NAMES utf8mb4*/",
		"USE `db;1`",
		"INSERT INTO t (a,b) VALUES\n('x;y','it''s'),\n('back\\'slash;', \"dq;\")",
		"SELECT 1",
		"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 'x;'; SET NEW.b = 2; END",
		"SELECT 2",
		"SELECT 3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("statements:\n%q\nwant\n%q", got, want)
	}
}

func TestRunScriptErrors(t *testing.T) {
	boom := errors.New("boom")
	if err := runScript(strings.NewReader("SELECT 1; SELECT 2;"), func([]byte) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("exec error: %v", err)
	}
	if err := runScript(strings.NewReader("SELECT 'open;"), func([]byte) error { return nil }); err == nil {
		t.Errorf("an unterminated string is not an error")
	}
	long := "INSERT INTO t VALUES ('" + strings.Repeat("x", 3<<20) + "');\n"
	var n int
	if err := runScript(strings.NewReader(long), func(s []byte) error { n = len(s); return nil }); err != nil || n != len(long)-2 {
		t.Errorf("a 3 MiB line: %d bytes, %v", n, err)
	}
}
