package gcs

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// These tests change the environment, so they are not parallel (Go runs them
// before any parallel test starts).

// credentialsEnv isolates the credential chain from the machine's.
func credentialsEnv(t *testing.T, file string) {
	t.Setenv("STORAGE_EMULATOR_HOST", "")
	t.Setenv("HOME", t.TempDir()) // no gcloud application-default credentials
	t.Setenv("CLOUDSDK_CONFIG", t.TempDir())
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", file)
}

func TestMissingCredentialsFile(t *testing.T) {
	credentialsEnv(t, filepath.Join(t.TempDir(), "missing.json"))
	s, err := openURL(t, "gs://bucket/p", sinks.Options{})
	if err == nil {
		_, err = s.Stat(context.Background(), "k")
		s.Close()
	}
	checkErr(t, "Open", err, sinks.ErrAuth, "GOOGLE_APPLICATION_CREDENTIALS", "missing.json")
}

func TestNoDefaultCredentials(t *testing.T) {
	credentialsEnv(t, "")
	if b, err := os.ReadFile("/sys/class/dmi/id/product_name"); err == nil && strings.Contains(string(b), "Google") {
		t.Skip("on Google Cloud the metadata server provides credentials")
	}
	s, err := openURL(t, "gs://bucket/p", sinks.Options{})
	if err == nil {
		_, err = s.Stat(context.Background(), "k")
		s.Close()
	}
	checkErr(t, "Open", err, sinks.ErrAuth, "GOOGLE_APPLICATION_CREDENTIALS")
}

// serviceAccount writes a service account key file whose token endpoint is
// tokenURL and returns its path.
func serviceAccount(t *testing.T, tokenURL string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     "pl-test",
		"private_key_id": "0123456789abcdef",
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   "pl@pl-test.iam.gserviceaccount.com",
		"client_id":      "1234567890",
		"token_uri":      tokenURL,
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func tokenServer(t *testing.T, code int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/token"
}

func TestRejectedCredentials(t *testing.T) {
	tok := tokenServer(t, 400, `{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`)
	credentialsEnv(t, serviceAccount(t, tok))
	// An https endpoint keeps authentication; the token is refused first.
	s, err := openURL(t, "gs://bucket/p?endpoint="+url.QueryEscape("https://127.0.0.1:1"), sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Stat(context.Background(), "k")
	checkErr(t, "Stat", err, sinks.ErrAuth, "invalid_grant", "GOOGLE_APPLICATION_CREDENTIALS")
}

func TestTLSFailureIsUnreachable(t *testing.T) {
	const secret = "ya29.pl-secret-access-token"
	tok := tokenServer(t, 200, `{"access_token":"`+secret+`","token_type":"Bearer","expires_in":3600}`)
	credentialsEnv(t, serviceAccount(t, tok))
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake fails on purpose
	srv.StartTLS()                                   // with a certificate nobody trusts
	t.Cleanup(srv.Close)
	s, err := openURL(t, "gs://bucket/p?endpoint="+url.QueryEscape(srv.URL), sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Stat(context.Background(), "k")
	checkErr(t, "Stat", err, sinks.ErrUnreachable, srv.URL, "certificate")
	if err != nil && strings.Contains(err.Error(), secret) {
		t.Errorf("error leaks the access token: %v", err)
	}
}

// TestNetworkFaults: a refused port, https:// to the plain-HTTP
// fake-gcs-server and http:// to a TLS front of it fail every operation with
// ErrUnreachable and the words every cloud sink uses (sinks.ClassifyNet).
// An https endpoint keeps authentication, so a service account (with a
// local token endpoint) is set.
func TestNetworkFaults(t *testing.T) {
	const token = "ya29.pl-secret-access-token"
	credentialsEnv(t, serviceAccount(t, tokenServer(t, 200, `{"access_token":"`+token+`","token_type":"Bearer","expires_in":3600}`)))
	srv := testenv.FakeGCS(t)
	bucket := srv.NewBucket(t)
	for _, f := range sinktest.NetFaults(t, srv.Endpoint) {
		t.Run(f.Name, func(t *testing.T) {
			s, err := openURL(t, "gs://"+bucket+"/p?endpoint="+url.QueryEscape(f.Endpoint), sinks.Options{})
			if err != nil {
				t.Fatalf("Open: %v; the endpoint is only dialled on use", err)
			}
			defer s.Close()
			for op, err := range eachOp(s, "k") {
				sinktest.CheckNetFault(t, op, err, f, token)
				if !strings.HasPrefix(err.Error(), "gs ") {
					t.Errorf("%s: %q does not start with the operation", op, err)
				}
			}
		})
	}
}
