package mysqlx

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	e, err := ParseURL("mariadb://repl%40x:p%40ss%2Fw0rd@db.example:3307/?tls=skip-verify&timeout=5s&readTimeout=30s")
	if err != nil {
		t.Fatal(err)
	}
	want := Endpoint{Scheme: "mariadb", Host: "db.example", Port: 3307, User: "repl@x", Password: "p@ss/w0rd",
		TLS: TLSSkipVerify, Timeout: 5 * time.Second, ReadTimeout: 30 * time.Second}
	if e != want {
		t.Fatalf("got %+v, want %+v", e, want)
	}
	if s := e.String(); strings.Contains(s, "w0rd") || !strings.Contains(s, "xxxxx") || !strings.Contains(s, "db.example:3307") {
		t.Fatalf("String() = %q", s)
	}
	cfg := e.DriverConfig()
	if cfg.Addr != "db.example:3307" || cfg.User != "repl@x" || cfg.Passwd != "p@ss/w0rd" || cfg.Loc != time.UTC ||
		cfg.ParseTime || cfg.InterpolateParams || cfg.MultiStatements || cfg.TLSConfig != "skip-verify" || cfg.Timeout != 5*time.Second {
		t.Fatalf("DriverConfig = %+v", cfg)
	}
	sp := e.SyncerParams()
	if sp.Host != "db.example" || sp.Port != 3307 || sp.User != "repl@x" || sp.Password != "p@ss/w0rd" || !sp.TLSConfig.InsecureSkipVerify {
		t.Fatalf("SyncerParams = %+v", sp)
	}

	d, err := ParseURL("mysql://root@[::1]")
	if err != nil || d.Port != DefaultPort || d.Host != "::1" || d.TLS != TLSOff || d.TLSConfig() != nil || d.Addr() != "[::1]:3306" {
		t.Fatalf("defaults: %+v, %v", d, err)
	}
	v, err := ParseURL("mysql://u:pw@h/?tls=TRUE")
	if err != nil || v.TLS != TLSVerify || v.TLSConfig().ServerName != "h" || v.TLSConfig().InsecureSkipVerify {
		t.Fatalf("tls=true: %+v, %v", v, err)
	}
}

func TestParseURLErrors(t *testing.T) {
	const secret = "S3cretPw"
	for _, c := range []struct{ in, want string }{
		{"postgres://u:" + secret + "@h/", "mysql:// or mariadb://"},
		{"mysql://u:" + secret + "@/", "missing host"},
		{"mysql://:" + secret + "@h/", "missing user"},
		{"mysql://u:" + secret + "@h:0/", "port"},
		{"mysql://u:" + secret + "@h:99999/", "port"},
		{"mysql://u:" + secret + "@h/shop", "whole server"},
		{"mysql://u:" + secret + "@h/?tsl=true", `unknown parameter "tsl"; mysql:// accepts tls, timeout, readTimeout, writeTimeout`},
		{"mysql://u:" + secret + "@h/?tls=maybe", "want true, false, skip-verify or preferred"},
		{"mysql://u:" + secret + "@h/?timeout=5", "want a duration"},
		{"mysql://u:" + secret + "@h:port/", "invalid port"},
		{"mysql://u:" + secret + "%zz@h/", `holds a "%" that is not percent-encoded`},
	} {
		_, err := ParseURL(c.in)
		if err == nil || !errors.Is(err, ErrBadURL) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseURL(%q) = %v, want ErrBadURL mentioning %q", c.in, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("ParseURL(%q): error leaks the password: %v", c.in, err)
		}
	}
}
