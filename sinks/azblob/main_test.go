package azblob

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// fastRetry keeps the SDK's retries short so that failure tests finish quickly.
var fastRetry = policy.RetryOptions{MaxRetries: 1, RetryDelay: 10 * time.Millisecond, MaxRetryDelay: 50 * time.Millisecond}

// envOf is a fake process environment.
func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// keyEnv is the environment of a process given Azurite's account and key.
func keyEnv(az *testenv.AzureServer) func(string) string {
	return envOf(envAccount, az.Account, envKey, az.Key)
}

// sinkURL is an azblob:// URL for container on az, with a prefix.
func sinkURL(az *testenv.AzureServer, containerName, prefix string) string {
	return "azblob://" + containerName + "/" + prefix + "?endpoint=" + url.QueryEscape(az.Endpoint)
}

// openWith opens rawURL with getenv standing in for the environment.
func openWith(t *testing.T, rawURL string, opts sinks.Options, getenv func(string) string) (*Sink, error) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("parse %q: %v", rawURL, err)
	}
	return open(context.Background(), u, opts, config{getenv: getenv, retry: fastRetry})
}

// newTestSink opens a sink on a fresh Azurite container under prefix "backups/db1".
func newTestSink(t *testing.T, opts sinks.Options) *Sink {
	t.Helper()
	az := testenv.Azurite(t)
	s, err := openWith(t, sinkURL(az, az.NewContainer(t), "backups/db1"), opts, keyEnv(az))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// rawContainer is an SDK client on the sink's container, to look behind its back.
func rawContainer(t *testing.T, s *Sink) *container.Client {
	t.Helper()
	az := testenv.Azurite(t)
	cred, err := container.NewSharedKeyCredential(az.Account, az.Key)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := container.NewClientWithSharedKeyCredential(az.Endpoint+"/"+s.st.container, cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cc
}
