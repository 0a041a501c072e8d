package testenv

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Azurite's well-known development account.
const (
	azuriteAccount = "devstoreaccount1"
	azuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
	azureVersion   = "2021-12-02"
)

// AzureServer is an Azurite blob service. azblob.NewClientWithSharedKeyCredential(Endpoint,
// azblob.NewSharedKeyCredential(Account, Key)) talks to it.
type AzureServer struct {
	Endpoint string `json:"endpoint"` // http://127.0.0.1:PORT/devstoreaccount1
	Account  string `json:"account"`
	Key      string `json:"key"`
}

// Azurite returns the test binary's Azurite blob server, starting it on first use.
func Azurite(t testing.TB) *AzureServer {
	t.Helper()
	return server(t, KindAzurite).Azure
}

// ConnectionString is the storage connection string for the account.
func (a *AzureServer) ConnectionString() string {
	return fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;",
		a.Account, a.Key, a.Endpoint)
}

// NewContainer creates a fresh, uniquely named container and returns its name.
func (a *AzureServer) NewContainer(t testing.TB) string {
	t.Helper()
	name := uniqueName(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.do(ctx, http.MethodPut, "/"+name+"?restype=container", http.StatusCreated); err != nil {
		t.Fatalf("testenv: create container %s: %v", name, err)
	}
	return name
}

// check lists containers, which needs a correctly signed request.
func (a *AzureServer) check(ctx context.Context) error {
	return a.do(ctx, http.MethodGet, "/?comp=list", http.StatusOK)
}

// do sends a body-less request signed with the account key and expects status want.
func (a *AzureServer) do(ctx context.Context, method, pathQuery string, want int) error {
	req, err := http.NewRequestWithContext(ctx, method, a.Endpoint+pathQuery, nil)
	if err != nil {
		return err
	}
	resp, err := a.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("%s %s: %s: %s", method, req.URL, resp.Status, msg)
	}
	return nil
}

// send signs req with the account key and sends it.
func (a *AzureServer) send(req *http.Request) (*http.Response, error) {
	if err := a.sign(req); err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

// sign adds SharedKey authorization to req
// (https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key).
func (a *AzureServer) sign(req *http.Request) error {
	req.Header.Set("x-ms-date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("x-ms-version", azureVersion)

	var msHeaders []string
	for k := range req.Header {
		if k = strings.ToLower(k); strings.HasPrefix(k, "x-ms-") {
			msHeaders = append(msHeaders, k)
		}
	}
	sort.Strings(msHeaders)
	var sb strings.Builder
	sb.WriteString(req.Method + "\n")
	for _, h := range []string{"Content-Encoding", "Content-Language", "Content-Length", "Content-MD5",
		"Content-Type", "Date", "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range"} {
		v := req.Header.Get(h)
		if h == "Content-Length" && req.ContentLength > 0 {
			v = strconv.FormatInt(req.ContentLength, 10)
		}
		sb.WriteString(v + "\n")
	}
	for _, k := range msHeaders {
		sb.WriteString(k + ":" + strings.TrimSpace(req.Header.Get(k)) + "\n")
	}
	sb.WriteString("/" + a.Account + req.URL.EscapedPath())
	query := req.URL.Query()
	params := make([]string, 0, len(query))
	for k := range query {
		params = append(params, k)
	}
	sort.Strings(params)
	for _, k := range params {
		vals := append([]string(nil), query[k]...)
		sort.Strings(vals)
		sb.WriteString("\n" + strings.ToLower(k) + ":" + strings.Join(vals, ","))
	}

	key, err := base64.StdEncoding.DecodeString(a.Key)
	if err != nil {
		return fmt.Errorf("decode account key: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(sb.String()))
	req.Header.Set("Authorization", "SharedKey "+a.Account+":"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return nil
}

func startAzurite(ctx context.Context, dir string, detached bool) (*record, error) {
	bin, err := findBinary("azurite-blob")
	if err != nil {
		return nil, err
	}
	port, err := freePort(false)
	if err != nil {
		return nil, err
	}
	endpoint := (&url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(port), Path: "/" + azuriteAccount}).String()
	rec := &record{Azure: &AzureServer{Endpoint: endpoint, Account: azuriteAccount, Key: azuriteKey}}
	p, err := launch(dir, detached, nil, bin, "--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(port),
		"--location", filepath.Join(dir, "data"), "--skipApiVersionCheck", "--loose")
	if err != nil {
		return nil, err
	}
	return ready(ctx, KindAzurite, rec, p)
}
