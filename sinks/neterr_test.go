package sinks_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// quietTLS is a TLS server (certificate from an unknown CA) that does not
// log the handshakes its clients break off.
func quietTLS(t *testing.T, h http.Handler, clientAuth tls.ClientAuthType) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{ClientAuth: clientAuth}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// closedPort is a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// rawServer accepts connections and answers each with reply, then closes.
func rawServer(t *testing.T, reply string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte(reply))
			c.Close()
		}
	}()
	return l.Addr().String()
}

// get sends one request with client and returns its error (nil: answered).
func get(t *testing.T, client *http.Client, method, url string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

func TestClassifyNet(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	untrusted := quietTLS(t, http.NotFoundHandler(), tls.NoClientCert)
	wantsCert := quietTLS(t, http.NotFoundHandler(), tls.RequireAnyClientCert)
	trusting := untrusted.Client() // trusts the test certificate, which names example.com and 127.0.0.1
	wrongName := untrusted.Client()
	wrongName.Transport.(*http.Transport).TLSClientConfig.ServerName = "storage.example.net"
	detecting := &http.Client{Transport: sinks.DetectTLSEndpointTransport(http.DefaultTransport.(*http.Transport).Clone())}
	trustingCert := wantsCert.Client()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	canceledReq, _ := http.NewRequestWithContext(cancelled, http.MethodGet, plain.URL, nil)
	_, canceledErr := http.DefaultClient.Do(canceledReq)
	ssh := rawServer(t, "SSH-2.0-OpenSSH_9.2\r\n")

	cases := []struct {
		name      string
		err       error
		kind      error // nil: no sentinel
		transient bool
		mention   []string
	}{
		{"refused dial", dialErr(closedPort(t)), sinks.ErrUnreachable, false, []string{"connection refused", "server is running"}},
		{"refused request", get(t, http.DefaultClient, "GET", "http://"+closedPort(t)), sinks.ErrUnreachable, false, []string{"cannot connect to EP: connection refused"}},
		{"dns", &net.DNSError{Err: "no such host", Name: "bkt.no-such.invalid", IsNotFound: true}, sinks.ErrUnreachable, false, []string{"cannot resolve the host of EP (lookup bkt.no-such.invalid: no such host)", "DNS"}},
		{"no route", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}, sinks.ErrUnreachable, false, []string{"cannot reach EP (no route to host)"}},
		{"dial timeout", &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}, sinks.ErrUnreachable, false, []string{"connecting to EP timed out", "firewalls"}},
		{"proxy", &net.OpError{Op: "proxyconnect", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, sinks.ErrUnreachable, false, []string{"cannot connect to EP through the proxy (connection refused)", "HTTPS_PROXY"}},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, nil, true, []string{"the connection to EP broke (connection reset by peer)", "retried"}},
		{"broken pipe", &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}, nil, true, []string{"broke (broken pipe)"}},
		{"unexpected EOF", fmt.Errorf("read body: %w", io.ErrUnexpectedEOF), nil, true, []string{"broke (unexpected EOF)"}},
		{"read timeout", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, nil, true, []string{"EP stopped answering"}},
		{"untrusted certificate", get(t, http.DefaultClient, "GET", untrusted.URL), sinks.ErrUnreachable, false, []string{"certificate of EP is not trusted", "unknown authority", "trust store"}},
		{"certificate for another name", get(t, wrongName, "GET", untrusted.URL), sinks.ErrUnreachable, false, []string{"does not name that host", "storage.example.net"}},
		{"expired certificate", &tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.Expired, Detail: "current time is after 2020-01-01"}}, sinks.ErrUnreachable, false, []string{"is not valid", "expired", "clock"}},
		{"handshake alert", get(t, trustingCert, "GET", wantsCert.URL), sinks.ErrUnreachable, false, []string{"EP refused the TLS handshake (tls: certificate required)", "client certificates"}},
		{"alert sent (QUIC form)", tls.AlertError(40), sinks.ErrUnreachable, false, []string{"the TLS handshake with EP failed (tls: handshake failure)"}},
		{"HTTP answer to a TLS hello", get(t, http.DefaultClient, "GET", "https://"+strings.TrimPrefix(plain.URL, "http://")), sinks.ErrUnreachable, false, []string{"EP answers plain HTTP, not TLS", "write http://"}},
		{"HTTP answer, as text", errors.New("Get \"https://h/\": http: server gave HTTP response to HTTPS client"), sinks.ErrUnreachable, false, []string{"answers plain HTTP"}},
		{"other protocol answer to a TLS hello", get(t, trusting, "GET", "https://"+ssh), sinks.ErrUnreachable, false, []string{"answers something that is not TLS (first record does not look like a TLS handshake)"}},
		{"HTML answer to a TLS hello", get(t, trusting, "GET", "https://"+rawServer(t, "<!DOCTYPE HTML>\n<title>Error response</title>")), sinks.ErrUnreachable, false, []string{"answers plain HTTP, not TLS"}},
		{"TLS answer to plain HTTP GET", get(t, detecting, "GET", "http://"+strings.TrimPrefix(untrusted.URL, "https://")), sinks.ErrUnreachable, false, []string{"EP speaks TLS, not plain HTTP", "write https://"}},
		{"TLS answer to plain HTTP HEAD", get(t, detecting, "HEAD", "http://"+strings.TrimPrefix(untrusted.URL, "https://")), sinks.ErrUnreachable, false, []string{"speaks TLS"}},
		{"cancelled", canceledErr, nil, false, []string{"cancelled"}},
		{"deadline", fmt.Errorf("upload part 3: %w", context.DeadlineExceeded), nil, false, []string{"timed out", "allow more time"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, ok := sinks.ClassifyNet(c.err, "EP")
			t.Logf("%v -> %+v", c.err, p)
			if !ok {
				t.Fatalf("ClassifyNet(%v) did not recognise it", c.err)
			}
			if p.Kind != c.kind || p.Transient != c.transient {
				t.Errorf("ClassifyNet(%v) = kind %v, transient %v; want %v, %v", c.err, p.Kind, p.Transient, c.kind, c.transient)
			}
			text := p.Problem + ": " + p.Fix
			for _, m := range c.mention {
				if !strings.Contains(text, m) {
					t.Errorf("%q does not say %q", text, m)
				}
			}
			e, _ := sinks.NetError(sinks.OpError{Op: "s3 put", Key: "k", Sink: "s3://b/p"}, "EP", c.err)
			if !errors.Is(e, c.err) || (c.kind != nil && !errors.Is(e, c.kind)) || sinks.IsTransient(e) != c.transient {
				t.Errorf("NetError = %v: does not wrap the cause and the sentinel, or transient is wrong", e)
			}
		})
	}
}

func dialErr(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err == nil {
		c.Close()
	}
	return err
}

func TestClassifyNetLeavesOtherErrors(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		errors.New("api error NoSuchBucket: The specified bucket does not exist"),
		fmt.Errorf("HTTP 403: %w", errors.New("AccessDenied")),
		&http.ProtocolError{ErrorString: "missing trailer"},
	} {
		if p, ok := sinks.ClassifyNet(err, "EP"); ok {
			t.Errorf("ClassifyNet(%v) = %+v; want it left to the backend", err, p)
		}
		if _, ok := sinks.NetError(sinks.OpError{}, "EP", err); ok {
			t.Errorf("NetError(%v) took it", err)
		}
	}
}

// TestDetectTLSEndpointPassesAnswers: real answers, 400s included, reach
// the client untouched, body and all.
func TestDetectTLSEndpointPassesAnswers(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("<Error><Code>InvalidArgument</Code></Error>", 100) // longer than the peek
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: sinks.DetectTLSEndpointTransport(http.DefaultTransport.(*http.Transport).Clone())}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusBadRequest || string(got) != body {
		t.Errorf("answer = %d, %d bytes, %v; want the server's 400 and its %d bytes", resp.StatusCode, len(got), err, len(body))
	}
	// A reset by a plain-HTTP server is still a reset, not a TLS endpoint.
	reset := rawServer(t, "")
	err = get(t, &http.Client{Transport: sinks.DetectTLSEndpointTransport(http.DefaultTransport)}, "GET", "http://"+reset)
	var tlsErr *sinks.TLSEndpointError
	if err == nil || errors.As(err, &tlsErr) {
		t.Errorf("request to a server that hangs up = %v; want its own error", err)
	}
}

func TestOpErrorMessage(t *testing.T) {
	t.Parallel()
	cause := errors.New("SDK says\nno")
	e := &sinks.OpError{Op: "gs put", Key: "a/b", Sink: "gs://bkt/p", Kind: sinks.ErrNoBucket,
		Problem: `bucket "bkt" does not exist`, Fix: "create it or fix the URL", Err: cause}
	want := `gs put "a/b" (gs://bkt/p): bucket "bkt" does not exist: create it or fix the URL`
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e, want)
	}
	if !errors.Is(e, sinks.ErrNoBucket) || !errors.Is(e, cause) {
		t.Error("OpError does not unwrap to its sentinel and its cause")
	}
	e = &sinks.OpError{Op: "azblob list", Sink: "azblob://c/p", Problem: "HTTP 418\n(teapot)"}
	if got := e.Error(); got != "azblob list (azblob://c/p): HTTP 418 (teapot)" {
		t.Errorf("Error() = %q", got)
	}
	if errors.Is(e, sinks.ErrNotExist) || len(e.Unwrap()) != 0 {
		t.Error("an OpError without Kind and Err unwraps to something")
	}
}
