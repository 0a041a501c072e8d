// Package redact removes secrets from URLs, DSNs and error text before they
// reach a log line, an error message or a terminal.
package redact

import (
	"net/url"
	"strings"
)

// Mask replaces a secret.
const Mask = "xxxxx"

// sensitiveParams are query parameter names whose values are secrets
// (compared case-insensitively, also as substrings: "account_key", "sig").
var sensitiveParams = []string{"password", "passwd", "secret", "token", "key", "sig", "signature", "credential", "sas"}

// IsSensitiveName reports whether a parameter or setting name holds a secret.
// A name ending in _file (password_file, key_file) holds the path of a
// secret, which is shown: the error that it cannot be read must say where.
func IsSensitiveName(name string) bool {
	n := strings.ToLower(name)
	if strings.HasSuffix(n, "_file") {
		return false
	}
	for _, s := range sensitiveParams {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// URL returns raw with its password and secret query parameters masked.
// Text that does not parse as a URL is returned with anything after "@"-style
// userinfo masked conservatively.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if _, misread := misreadPassword(raw, u, err); err != nil || misread {
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			if j := strings.Index(raw, "://"); j >= 0 && j < i {
				return raw[:j+3] + Mask + raw[i:]
			}
		}
		return raw
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Mask)
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			if IsSensitiveName(k) {
				q.Set(k, Mask)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

// String replaces every occurrence of each non-empty secret in s.
func String(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 { // shorter values would mask innocent text
			s = strings.ReplaceAll(s, sec, Mask)
		}
	}
	return s
}

// Error returns err's text with the secrets of rawURL (password, secret query
// values) masked.
func Error(err error, rawURL string) string {
	if err == nil {
		return ""
	}
	return String(err.Error(), Secrets(rawURL)...)
}

// misreadPassword recognises a URL that did not parse, or parsed but not as
// written: a password holding an unencoded "/", "?" or "#" ends the host part
// early, so mysql://u:12/ab@h/ reads as host "u", port 12 and path "/ab@h/",
// with no user at all and the password in plain sight. It returns the
// password as written, between the first ":" and the last "@", when the
// parse failed (err) or gave no user although the text before the first of
// "/?#" looks like user:password and an "@" follows.
func misreadPassword(raw string, u *url.URL, err error) (string, bool) {
	if err == nil && (u == nil || u.User != nil) {
		return "", false
	}
	_, rest, ok := strings.Cut(raw, "://")
	at := strings.LastIndex(rest, "@")
	if !ok || at < 0 {
		return "", false
	}
	_, password, ok := strings.Cut(rest[:at], ":")
	if !ok || password == "" {
		return "", false
	}
	if err != nil {
		return password, true
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 || end > at || !strings.Contains(rest[:end], ":") {
		return "", false
	}
	return password, true
}

// Secrets returns the secret values contained in rawURL.
func Secrets(rawURL string) []string {
	u, err := url.Parse(rawURL)
	if p, misread := misreadPassword(rawURL, u, err); misread {
		return []string{p, url.QueryEscape(p), url.PathEscape(p)}
	}
	if err != nil {
		return nil
	}
	var out []string
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			out = append(out, p, url.QueryEscape(p), url.PathEscape(p))
		}
	}
	for k, vs := range u.Query() {
		if IsSensitiveName(k) {
			for _, v := range vs {
				out = append(out, v, url.QueryEscape(v))
			}
		}
	}
	return out
}
