package sanitize

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func readDump(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/mysql8.sql")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sanitizeBytes(t *testing.T, in []byte, opt Options) (string, Report, error) {
	t.Helper()
	var out bytes.Buffer
	rep, err := Sanitize(context.Background(), &out, bytes.NewReader(in), opt)
	return out.String(), rep, err
}

func TestSanitizeCompressedInput(t *testing.T) {
	plain := readDump(t)
	want, wantRep, err := sanitizeBytes(t, plain, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	// two gzip members, as pigz or cat a.gz b.gz make
	for _, part := range [][]byte{plain[:1000], plain[1000:]} {
		w := gzip.NewWriter(&gz)
		w.Write(part)
		w.Close()
	}
	zw, _ := zstd.NewWriter(nil)
	zst := zw.EncodeAll(plain, nil)
	for name, in := range map[string][]byte{"gzip": gz.Bytes(), "zstd": zst} {
		got, rep, err := sanitizeBytes(t, in, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != want {
			t.Errorf("%s: output differs from the plain input's", name)
		}
		if rep.Input != name || wantRep.Input != "plain" {
			t.Errorf("input detected as %q (plain as %q)", rep.Input, wantRep.Input)
		}
		if rep.BytesIn != int64(len(plain)) || len(rep.GTIDs) != 1 || rep.Definers != 5 {
			t.Errorf("%s: report %+v", name, rep)
		}
	}
}

func TestSanitizeBadInput(t *testing.T) {
	plain := readDump(t)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(plain)
	w.Close()
	zw, _ := zstd.NewWriter(nil)
	zst := zw.EncodeAll(plain, nil)
	corrupt := append([]byte(nil), zst...)
	corrupt[len(corrupt)/2] ^= 0xff
	cases := []struct {
		name   string
		in     []byte
		want   string
		notSQL bool
	}{
		{"binary", []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), "binary data at byte 7", true},
		{"xz", []byte("\xfd7zXZ\x00\x00\x04"), "the input is xz", true},
		{"bzip2", []byte("BZh91AY&SY"), "the input is bzip2", true},
		{"UTF-16 from PowerShell", []byte("\xff\xfe-\x00-\x00"), "iconv -f UTF-16", true},
		{"truncated gzip", gz.Bytes()[:gz.Len()/2], "the gzip input is corrupt or truncated", false},
		{"not gzip after the magic", []byte("\x1f\x8bnot really"), "not valid gzip", false},
		{"corrupt zstd", corrupt, "the zstd input is corrupt or truncated", false},
		{"truncated in a string", plain[:bytes.Index(plain, []byte("SET @@SESSION.SQL_LOG_BIN= 0;\\n"))], "ends inside a '...' string that begins at byte", false},
		{"unterminated comment", []byte("SELECT 1;\n/* never closed\n"), "ends inside a /* */ comment that begins at byte 10", false},
		{"empty delimiter", []byte("DELIMITER \nSELECT 1;\n"), "is not a usable delimiter", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := sanitizeBytes(t, c.in, Options{})
			if err == nil {
				t.Fatalf("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			if c.notSQL != errors.Is(err, ErrNotSQL) {
				t.Errorf("errors.Is(%v, ErrNotSQL) = %v", err, !c.notSQL)
			}
		})
	}
}

func TestSanitizeDefinerReplacement(t *testing.T) {
	got, rep, err := sanitizeBytes(t, readDump(t), Options{Definer: "app@10.0.%"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Definers != 5 || strings.Count(got, "DEFINER=`app`@`10.0.%`") != 5 {
		t.Errorf("%d definers replaced, %d in the output; want 5", rep.Definers, strings.Count(got, "DEFINER=`app`@`10.0.%`"))
	}
	for _, old := range []string{"/*!50017 DEFINER=`root`@`localhost`*/", "'rdsadmin'@'localhost'", "DEFINER=CURRENT_USER() PROCEDURE", "DEFINER=`root`@`%`"} {
		if strings.Contains(got, old) {
			t.Errorf("the output still has %s", old)
		}
	}
	if _, _, err := sanitizeBytes(t, []byte("SELECT 1;"), Options{Definer: "@nohost"}); err == nil || !strings.Contains(err.Error(), "--definer") {
		t.Errorf("a bad --definer gave %v", err)
	}
}

func TestSanitizeLongStatements(t *testing.T) {
	big := strings.Repeat("x", 3000)
	// A long SET of a user variable is copied through...
	in := "SET @doc = '" + big + "';\nSET @@SESSION.SQL_LOG_BIN=0;\n"
	got, rep, err := sanitizeBytes(t, []byte(in), Options{MaxStatement: 1000, BufferSize: minBuffer})
	if err != nil {
		t.Fatal(err)
	}
	if want := "SET @doc = '" + big + "';\n"; got != want || len(rep.Removed) != 1 {
		t.Errorf("got %d bytes, %d removed; want the long SET intact and one removal", len(got), len(rep.Removed))
	}
	// ...but a GTID_PURGED too long to hold is an error, not a dump that still fails.
	in = "SET @@GLOBAL.GTID_PURGED='" + strings.Repeat("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,", 100) + "';\n"
	if _, _, err := sanitizeBytes(t, []byte(in), Options{MaxStatement: 1000}); err == nil || !strings.Contains(err.Error(), "longer than 1000 bytes") {
		t.Errorf("a GTID_PURGED over the limit gave %v", err)
	}
}
