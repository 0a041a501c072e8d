package azblob

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// Azurite cannot be made to throttle, fail or refuse a role, so these cases
// use a stand-in server that answers every request with one Azure error.
func fakeAzure(t *testing.T, status int, code string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(azureError(status, code))
	t.Cleanup(srv.Close)
	return srv
}

func azureError(status int, code string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-ms-error-code", code)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code><Message>fake</Message></Error>`, code)
		}
	})
}

func TestErrorsFromService(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		code   string
		want   error
		text   string
	}{
		{503, "ServerBusy", nil, "try again"},
		{500, "OperationTimedOut", nil, "try again"},
		{500, "InternalError", nil, "try again"},
		{429, "TooManyRequests", nil, "try again"},
		{403, "AuthenticationFailed", sinks.ErrAuth, "check AZURE_STORAGE_KEY"},
		{403, "AuthorizationPermissionMismatch", sinks.ErrPermission, "Storage Blob Data"},
		{404, "ContainerNotFound", sinks.ErrNoBucket, "create it or fix the URL"},
	}
	key := randomKey(t)
	for _, c := range cases {
		srv := fakeAzure(t, c.status, c.code)
		raw := "azblob://c123/p?endpoint=" + url.QueryEscape(srv.URL+"/acct1")
		s, err := openWith(t, raw, sinks.Options{PartSize: mib}, envOf(envKey, key))
		if err != nil {
			t.Fatal(err)
		}
		for op, err := range opErrors(t, s, "k") {
			what := fmt.Sprintf("%d %s: %s", c.status, c.code, op)
			if c.want == nil {
				if !sinks.IsTransient(err) {
					t.Errorf("%s = %v, want a transient error", what, err)
				}
				checkErr(t, what, err, err, key)
			} else {
				checkErr(t, what, err, c.want, key)
				if sinks.IsTransient(err) {
					t.Errorf("%s = %v is marked transient", what, err)
				}
			}
			if err != nil && !strings.Contains(err.Error(), c.text) {
				t.Errorf("%s = %q, want it to say %q", what, err, c.text)
			}
		}
	}
}

// quietTLSServer is an httptest TLS server that does not log the handshakes
// our untrusting client breaks off.
func quietTLSServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// TestErrorsTLS: a certificate the client does not trust is unreachable, not a retry.
func TestErrorsTLS(t *testing.T) {
	t.Parallel()
	srv := quietTLSServer(t, http.NotFoundHandler())
	key := randomKey(t)
	raw := "azblob://c123/p?endpoint=" + url.QueryEscape(srv.URL+"/acct1")
	s, err := openWith(t, raw, sinks.Options{PartSize: mib}, envOf(envKey, key))
	if err != nil {
		t.Fatal(err)
	}
	for op, err := range opErrors(t, s, "k") {
		checkErr(t, "TLS "+op, err, sinks.ErrUnreachable, key)
	}
}

// TestErrorsNoCredential: without any secret, DefaultAzureCredential is
// used; it refuses plain http endpoints at once, and over https a machine
// without an identity fails with ErrAuth at the first request.
func TestErrorsNoCredential(t *testing.T) {
	t.Parallel()
	_, err := openWith(t, "azblob://c123/p?endpoint=http%3A%2F%2F127.0.0.1%3A10000%2Facct1", sinks.Options{}, envOf())
	checkErr(t, "http endpoint", err, sinks.ErrAuth)
	// Answers only if this machine has an identity (then the self-signed
	// certificate makes the request unreachable instead).
	tls := quietTLSServer(t, azureError(403, "AuthenticationFailed"))
	s, err := openWith(t, "azblob://c123/p?endpoint="+url.QueryEscape(tls.URL+"/acct1"), sinks.Options{}, envOf())
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Stat(t.Context(), "k")
	if !errors.Is(err, sinks.ErrAuth) && !errors.Is(err, sinks.ErrUnreachable) {
		t.Errorf("Stat without credentials = %v, want ErrAuth", err)
	}
	checkErr(t, "no credential", err, err)
}

// TestErrorsConnectionDropped: a server that hangs up is a transient error,
// and no text in the error chain shows the SAS (which is in the request URL).
func TestErrorsConnectionDropped(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	const sig = "c2lnbmF0dXJlc2lnbmF0dXJl"
	env := envOf(envConnString, "BlobEndpoint="+srv.URL+"/acct1;SharedAccessSignature=sv=2022-11-02&sp=rwdl&sig="+sig)
	s, err := openWith(t, "azblob://c123/p", sinks.Options{PartSize: mib}, env)
	if err != nil {
		t.Fatal(err)
	}
	for op, err := range opErrors(t, s, "k") {
		if !sinks.IsTransient(err) {
			t.Errorf("%s = %v, want a transient error", op, err)
		}
		checkErr(t, op, err, err, sig)
	}
}
