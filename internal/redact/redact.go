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
func IsSensitiveName(name string) bool {
	n := strings.ToLower(name)
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
	if err != nil {
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

// Secrets returns the secret values contained in rawURL.
func Secrets(rawURL string) []string {
	u, err := url.Parse(rawURL)
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
