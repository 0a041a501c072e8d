package s3

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// syncBuffer collects log output from concurrent goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// eachOp runs every sink operation, including a multipart Put, and returns
// their errors by name.
func eachOp(t *testing.T, s sinks.Sink) map[string]error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	errs := map[string]error{}
	_, errs["put"] = s.Put(ctx, "k/small", strings.NewReader("hello"))
	_, errs["put multipart"] = s.Put(ctx, "k/large", sinktest.Data(1, 12*sinktest.MiB))
	_, errs["stat"] = s.Stat(ctx, "k/small")
	rc, err := s.Open(ctx, "k/small")
	if err == nil {
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
	}
	errs["open"] = err
	errs["list"] = s.List(ctx, "", func(sinks.Object) error { return nil })
	errs["delete"] = s.Delete(ctx, "k/small")
	return errs
}

// checkErrs wants every error to wrap want, fit on one line, mention each
// of mention, and show none of secrets; the log must not show them either.
func checkErrs(t *testing.T, errs map[string]error, want error, logs string, mention []string, secrets ...string) {
	t.Helper()
	for op, err := range errs {
		sinktest.CheckError(t, op, err, want, mention, secrets)
	}
	for _, sec := range secrets {
		if strings.Contains(logs, sec) {
			t.Errorf("the log shows a secret: %s", logs)
		}
	}
}

func openLogged(t *testing.T, raw, access, secret string, tc testConfig) (*sink, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	opts := sinks.Options{PartSize: 5 << 20, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	s, err := openTest(t, raw, access, secret, opts, tc)
	if err != nil {
		t.Fatalf("open %s: %v", raw, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, logs
}

// TestRejectedCredentials runs against MinIO only: moto accepts any credentials.
func TestRejectedCredentials(t *testing.T) {
	t.Parallel()
	srv := testenv.MinIO(t)
	bucket := srv.NewBucket(t)
	good, _ := openLogged(t, sinkURL(srv, bucket, "p"), srv.AccessKey, srv.SecretKey, testConfig{})
	if _, err := good.Put(context.Background(), "k/small", strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	const wrongSecret = "wrong-secret-Zq8v1xP4kR"
	for name, access := range map[string]string{"wrong secret": srv.AccessKey, "unknown access key": "NOSUCHACCESSKEY0001"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, logs := openLogged(t, sinkURL(srv, bucket, "p"), access, wrongSecret, testConfig{})
			checkErrs(t, eachOp(t, s), sinks.ErrAuth, logs.String(), []string{"AWS_"}, wrongSecret, srv.SecretKey)
		})
	}
}

func TestMissingBucket(t *testing.T) {
	t.Parallel()
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			t.Parallel()
			server := srv.get(t)
			bucket := server.NewBucket(t) + "-never-made"
			s, logs := openLogged(t, sinkURL(server, bucket, "p"), server.AccessKey, server.SecretKey, testConfig{})
			checkErrs(t, eachOp(t, s), sinks.ErrNoBucket, logs.String(),
				[]string{bucket, server.Endpoint, "create it or fix the URL"}, server.SecretKey)
		})
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	minio := testenv.MinIO(t)
	https := "https://" + strings.TrimPrefix(minio.Endpoint, "http://")
	for name, tc := range map[string]struct{ endpoint, mention string }{
		"refused": {closed, closed},
		"dns":     {"http://no-such-host.pilotlight.invalid:9000", "no-such-host.pilotlight.invalid"},
		"tls":     {https, "TLS"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw := "s3://bkt/p?path_style=true&region=us-east-1&endpoint=" + url.QueryEscape(tc.endpoint)
			s, logs := openLogged(t, raw, "AKIDEXAMPLE", "secret-Zq8v1xP4kR", testConfig{maxAttempts: 1})
			checkErrs(t, eachOp(t, s), sinks.ErrUnreachable, logs.String(), []string{tc.mention}, "secret-Zq8v1xP4kR")
		})
	}
}

// TestDefaultCredentialChain uses the environment, as production does, so
// it cannot run in parallel.
func TestDefaultCredentialChain(t *testing.T) {
	srv := testenv.MinIO(t)
	bucket := srv.NewBucket(t)
	raw := sinkURL(srv, bucket, "p")
	isolate := func() {
		for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
			"AWS_DEFAULT_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
			"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
			t.Setenv(k, "")
		}
		t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
		t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	}
	u, _ := url.Parse(raw)

	isolate()
	s, err := Open(context.Background(), u, sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Stat(context.Background(), "k")
	s.Close()
	checkErrs(t, map[string]error{"stat without credentials": err}, sinks.ErrAuth, "", []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE"})

	t.Setenv("AWS_PROFILE", "no-such-profile")
	_, err = Open(context.Background(), u, sinks.Options{})
	checkErrs(t, map[string]error{"open with a missing profile": err}, sinks.ErrAuth, "", []string{"no-such-profile", "AWS_PROFILE"})

	isolate()
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	s, err = Open(context.Background(), u, sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Put(context.Background(), "k", strings.NewReader("from the environment")); err != nil {
		t.Fatalf("Put with credentials from the environment: %v", err)
	}
}

// TestNetworkFaults: a refused port, https:// to the plain-HTTP server and
// http:// to a TLS front of it fail every operation with ErrUnreachable and
// the words every cloud sink uses (sinks.ClassifyNet), with the SDK's own
// retries left on.
func TestNetworkFaults(t *testing.T) {
	t.Parallel()
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			t.Parallel()
			server := srv.get(t)
			bucket := server.NewBucket(t)
			for _, f := range sinktest.NetFaults(t, server.Endpoint) {
				t.Run(f.Name, func(t *testing.T) {
					t.Parallel()
					raw := "s3://" + bucket + "/p?path_style=true&region=us-east-1&endpoint=" + url.QueryEscape(f.Endpoint)
					s, logs := openLogged(t, raw, server.AccessKey, server.SecretKey, testConfig{})
					for op, err := range eachOp(t, s) {
						sinktest.CheckNetFault(t, op, err, f, server.SecretKey)
						if !strings.HasPrefix(err.Error(), "s3 "+strings.Fields(op)[0]) {
							t.Errorf("%s: %q does not start with the operation", op, err)
						}
					}
					if strings.Contains(logs.String(), server.SecretKey) {
						t.Errorf("the log shows the secret key")
					}
				})
			}
		})
	}
}
