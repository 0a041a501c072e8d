package mysqlx

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseURLUnencodedPassword: a password holding a character the URL
// syntax reserves, written as is, is named as the likely cause, with the fix,
// and the password is never repeated; percent-encoded, each one parses.
func TestParseURLUnencodedPassword(t *testing.T) {
	for _, c := range []struct{ password, char, encoded string }{
		{"pa/ss-w0rd", "/", "pa%2Fss-w0rd"},
		{"pa#ss-w0rd", "#", "pa%23ss-w0rd"},
		{"pa?ss-w0rd", "?", "pa%3Fss-w0rd"},
		{"50%off-w0rd", "%", "50%25off-w0rd"},
		{"12/34-w0rd", "/", "12%2F34-w0rd"},     // reads as host "u", port 12: no parse error of its own
		{"p@ss/w0rd-x", "/", "p%40ss%2Fw0rd-x"}, // reads as user "u:p", host "ss", path "/w0rd-x@..."
		{"/leading-w0rd", "/", "%2Fleading-w0rd"},
		{"trailing-w0rd%", "%", "trailing-w0rd%25"},
	} {
		for _, tail := range []string{"db.example:3306/", "db.example/?tls=true", "db.example"} {
			raw := "mysql://repl:" + c.password + "@" + tail
			_, err := ParseURL(raw)
			if err == nil || !errors.Is(err, ErrBadURL) {
				t.Errorf("ParseURL(%q) = %v, want ErrBadURL", raw, err)
				continue
			}
			msg := err.Error()
			for _, want := range []string{`holds a "` + c.char + `" that is not percent-encoded`, "/ is %2F, # is %23, ? is %3F, % is %25, @ is %40",
				"password_file", `"mysql://repl:xxxxx@` + tail + `"`} {
				if !strings.Contains(msg, want) {
					t.Errorf("ParseURL(%q): %q lacks %q", raw, msg, want)
				}
			}
			for _, part := range strings.FieldsFunc(c.password, func(r rune) bool { return strings.ContainsRune("/#?%@", r) }) {
				if len(part) >= 3 && strings.Contains(msg, part) {
					t.Errorf("ParseURL(%q): error shows %q of the password: %s", raw, part, msg)
				}
			}
			if strings.Count(msg, "\n") != 0 {
				t.Errorf("not one line: %q", msg)
			}
			e, err := ParseURL("mysql://repl:" + c.encoded + "@" + tail)
			if err != nil || e.Password != c.password || e.User != "repl" || e.Host != "db.example" {
				t.Errorf("encoded %q: %+v, %v", c.encoded, e, err)
			}
		}
	}
	// An "@" in a password_file path is not mistaken for one in the password.
	if _, err := ParseURL("mysql://repl@db:99999/?password_file=/run/credentials/pilotlight@a.service/pw"); err == nil ||
		!strings.Contains(err.Error(), "port") || strings.Contains(err.Error(), "percent-encoded") {
		t.Errorf("bad port with password_file: %v", err)
	}
}

func TestParseURLPasswordFile(t *testing.T) {
	dir := t.TempDir()
	const pw = "pa/ss#w0rd?%@x"
	p := filepath.Join(dir, "pw")
	if err := os.WriteFile(p, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := ParseURL("mysql://repl@db.example:3307/?password_file=" + p + "&tls=true")
	if err != nil || e.Password != pw || e.PasswordFile != p || e.TLS != TLSVerify || e.DriverConfig().Passwd != pw {
		t.Fatalf("password_file: %+v, %v", e, err)
	}
	if s := e.String(); strings.Contains(s, "w0rd") || !strings.Contains(s, "password_file=") || strings.Contains(s, "xxxxx") {
		t.Errorf("String() = %q", s)
	}
	if again, err := ParseURL(e.String()); err != nil || again.Password != pw {
		t.Errorf("String() does not parse back: %+v, %v", again, err)
	}
	crlf := filepath.Join(dir, "crlf")
	os.WriteFile(crlf, []byte("secret-w0rd\r\n"), 0o600)
	if e, err := ParseURL("mysql://repl@db/?password_file=" + crlf); err != nil || e.Password != "secret-w0rd" {
		t.Errorf("CRLF file: %q, %v", e.Password, err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for raw, want := range map[string]string{
		"mysql://repl:other@db/?password_file=" + p:          "a password and password_file: give one of them",
		"mysql://repl@db/?password_file=" + empty:            "is empty",
		"mysql://repl@db/?password_file=":                    "password_file is empty: give the path",
		"mysql://repl@db/?password_file=" + dir + "/missing": "no such file",
	} {
		_, err := ParseURL(raw)
		if err == nil || !errors.Is(err, ErrBadURL) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseURL(%q) = %v, want %q", raw, err, want)
		} else if strings.Contains(err.Error(), "w0rd") {
			t.Errorf("ParseURL(%q): error leaks the password: %v", raw, err)
		}
	}
}
