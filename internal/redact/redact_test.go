package redact

import (
	"errors"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	cases := map[string]string{
		"mysql://repl:s3cr3t@db:3306/?tls=true":                   "mysql://repl:xxxxx@db:3306/?tls=true",
		"azblob://c/p?account=a&sas_token=sv%3D1%26sig%3DABCD":    "azblob://c/p?account=a&sas_token=xxxxx",
		"s3://bucket/prefix?region=us-east-1":                     "s3://bucket/prefix?region=us-east-1",
		"file:///var/lib/pilotlight":                              "file:///var/lib/pilotlight",
		"https://x.blob.core.windows.net/c?sig=abc&se=2030-01-01": "https://x.blob.core.windows.net/c?se=2030-01-01&sig=xxxxx",
	}
	for in, want := range cases {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
	// Unparseable text with userinfo is masked conservatively.
	if got := URL("mysql://u:p%zz@h/"); strings.Contains(got, "p%zz") {
		t.Errorf("URL of a malformed DSN kept the password: %q", got)
	}
}

func TestErrorAndString(t *testing.T) {
	raw := "mysql://repl:hunter22@db/"
	err := errors.New("dial mysql://repl:hunter22@db/: refused (password hunter22)")
	if got := Error(err, raw); strings.Contains(got, "hunter22") {
		t.Errorf("Error kept the password: %q", got)
	}
	if got := String("key=abcd1234 and ab", "abcd1234", "ab"); got != "key=xxxxx and ab" {
		t.Errorf("String = %q (short values must not be masked)", got)
	}
	if !IsSensitiveName("AccountKey") || !IsSensitiveName("sas_token") || IsSensitiveName("region") || IsSensitiveName("password_file") {
		t.Error("IsSensitiveName misclassifies")
	}
}

// TestUnencodedPassword: a password with an unencoded "/", "?", "#" or "%"
// makes the URL fail to parse, or parse with the password in the host or
// path; either way it is masked and listed as a secret. URLs whose path
// holds an "@" are left alone.
func TestUnencodedPassword(t *testing.T) {
	for _, pw := range []string{"12/ab-cd", "12?ab-cd", "12#ab-cd", "pa/ss-wd", "50%off-x"} {
		raw := "mysql://repl:" + pw + "@db:3306/"
		if got := URL(raw); strings.Contains(got, "ab-cd") || strings.Contains(got, "ss-wd") || strings.Contains(got, "off-x") {
			t.Errorf("URL(%q) = %q", raw, got)
		}
		secrets := Secrets(raw)
		if len(secrets) == 0 || secrets[0] != pw {
			t.Errorf("Secrets(%q) = %q", raw, secrets)
		}
		if got := String("connect "+raw+" failed", secrets...); strings.Contains(got, pw) {
			t.Errorf("String did not mask %q: %q", pw, got)
		}
	}
	for _, raw := range []string{"file:///srv/backups@host/x", "s3://bucket/a@b?region=eu-west-1", "mysql://repl@db/?password_file=/run/a@b/pw"} {
		if got := URL(raw); got != raw {
			t.Errorf("URL(%q) = %q, want it unchanged", raw, got)
		}
		if s := Secrets(raw); len(s) != 0 {
			t.Errorf("Secrets(%q) = %q, want none", raw, s)
		}
	}
}
