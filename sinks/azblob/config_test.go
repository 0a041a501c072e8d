package azblob

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

var _ sinks.Opener = Open

func TestResolve(t *testing.T) {
	t.Parallel()
	const key = "a2V5a2V5a2V5a2V5"
	cases := []struct {
		url     string
		env     []string
		kind    credKind
		service string
		account string
		prefix  string
	}{
		{"azblob://cont/pre/fix/?account=acct1", nil, credToken, "https://acct1.blob.core.windows.net/", "acct1", "pre/fix"},
		{"azblob://cont", []string{envAccount, "acct2", envKey, key}, credSharedKey, "https://acct2.blob.core.windows.net/", "acct2", ""},
		{"azblob://cont/p?endpoint=http://127.0.0.1:10000/devstoreaccount1", []string{envKey, key}, credSharedKey, "http://127.0.0.1:10000/devstoreaccount1/", "devstoreaccount1", "p"},
		{"azblob://cont/p?endpoint=https://acct3.blob.core.usgovcloudapi.net", nil, credToken, "https://acct3.blob.core.usgovcloudapi.net/", "acct3", "p"},
		{"azblob://cont", []string{envConnString, "DefaultEndpointsProtocol=https;AccountName=acct4;AccountKey=" + key + ";EndpointSuffix=core.chinacloudapi.cn"},
			credSharedKey, "https://acct4.blob.core.chinacloudapi.cn/", "acct4", ""},
		{"azblob://cont?account=acct5", []string{envConnString, "BlobEndpoint=https://acct5.blob.core.windows.net/;SharedAccessSignature=?sv=2022&sig=abc%2Bdef"},
			credSAS, "https://acct5.blob.core.windows.net/", "acct5", ""},
	}
	for _, c := range cases {
		st, err := resolveString(t, c.url, envOf(c.env...))
		if err != nil {
			t.Errorf("resolve(%q): %v", c.url, err)
			continue
		}
		if st.kind != c.kind || st.serviceURL != c.service || st.account != c.account || st.prefix != c.prefix || st.container != "cont" {
			t.Errorf("resolve(%q) = kind %d service %q account %q prefix %q container %q, want %d %q %q %q cont",
				c.url, st.kind, st.serviceURL, st.account, st.prefix, st.container, c.kind, c.service, c.account, c.prefix)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	const key = "c2VjcmV0c2VjcmV0"
	cases := []struct {
		url  string
		env  []string
		want error
	}{
		{"azblob:///prefix?account=acct1", nil, sinks.ErrBadURL},
		{"azblob://Upper/p?account=acct1", nil, sinks.ErrBadURL},
		{"azblob://a--b/p?account=acct1", nil, sinks.ErrBadURL},
		{"azblob://cont/p?acount=acct1", nil, sinks.ErrBadURL},
		{"azblob://cont/p?account=acct1&sig=" + key, nil, sinks.ErrBadURL},
		{"azblob://cont/p?account=Bad_Name", nil, sinks.ErrBadURL},
		{"azblob://cont/p?endpoint=ftp://host/x", []string{envKey, key}, sinks.ErrBadURL},
		{"azblob://user:" + key + "@cont/p?account=acct1", nil, sinks.ErrBadURL},
		{"azblob://cont/a/../b?account=acct1", nil, sinks.ErrBadURL},
		{"azblob://cont/p", nil, sinks.ErrBadURL}, // no account anywhere
		{"azblob://cont/p?account=acct1", []string{envAccount, "acct2", envKey, key}, sinks.ErrBadURL},
		{"azblob://cont/p?account=acct1", []string{envConnString, "AccountName=acct2;AccountKey=" + key}, sinks.ErrBadURL},
		{"azblob://cont/p?endpoint=https://x.example/", []string{envConnString, "BlobEndpoint=https://y.example/;AccountKey=" + key + ";AccountName=y"}, sinks.ErrBadURL},
		{"azblob://cont/p", []string{envConnString, "UseDevelopmentStorage=true"}, sinks.ErrBadURL},
		{"azblob://cont/p", []string{envConnString, "AccountName=acct1;EndpointSuffix=core.windows.net"}, sinks.ErrAuth},
		{"azblob://cont/p", []string{envConnString, "AccountName=acct1;" + key}, sinks.ErrAuth},
		{"azblob://cont/p?endpoint=http://127.0.0.1:10000/acct1", nil, sinks.ErrAuth}, // token over http
	}
	for _, c := range cases {
		_, err := resolveString(t, c.url, envOf(c.env...))
		if !errors.Is(err, c.want) {
			t.Errorf("resolve(%q, %v) = %v, want %v", c.url, c.env, err, c.want)
			continue
		}
		if err != nil && (strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "\n")) {
			t.Errorf("resolve(%q) error %q is not one line or shows the secret", c.url, err)
		}
	}
}

func TestParseConnString(t *testing.T) {
	t.Parallel()
	m, err := parseConnString(" AccountName=a1 ; AccountKey=abc== ;;SharedAccessSignature=sv=1&sig=x=y")
	if err != nil {
		t.Fatal(err)
	}
	if m["accountname"] != "a1" || m["accountkey"] != "abc==" || m["sharedaccesssignature"] != "sv=1&sig=x=y" {
		t.Errorf("parseConnString = %v", m)
	}
}

func TestAccountFromEndpoint(t *testing.T) {
	t.Parallel()
	for endpoint, want := range map[string]string{
		"https://myacct.blob.core.windows.net/":   "myacct",
		"http://127.0.0.1:10000/devstoreaccount1": "devstoreaccount1",
		"https://proxy.example.com/":              "",
	} {
		if got := accountFromEndpoint(endpoint); got != want {
			t.Errorf("accountFromEndpoint(%q) = %q, want %q", endpoint, got, want)
		}
	}
}

func TestOpenString(t *testing.T) {
	t.Parallel()
	const raw = "azblob://cont/backups?account=acct1&endpoint=https%3A%2F%2Facct1.blob.core.windows.net%2F"
	s, err := openWith(t, raw, sinks.Options{}, envOf(envKey, "a2V5a2V5"))
	if err != nil {
		t.Fatal(err)
	}
	if s.String() != raw {
		t.Errorf("String() = %q, want %q", s.String(), raw)
	}
	if _, err := openWith(t, raw, sinks.Options{PartSize: 5000 << 20}, envOf(envKey, "a2V5a2V5")); err == nil {
		t.Error("a part size over Azure's block limit was accepted")
	}
}

func resolveString(t *testing.T, raw string, getenv func(string) string) (settings, error) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return resolve(u, getenv)
}
