package sinks

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// TLSEndpointError says that a plain-HTTP request reached an endpoint that
// speaks TLS: the URL says http:// where it should say https://.
// ClassifyNet reports it as ErrUnreachable.
type TLSEndpointError struct {
	Host string // host:port
}

func (e *TLSEndpointError) Error() string {
	return e.Host + " speaks TLS (https), not plain HTTP"
}

// RetryableError tells the AWS SDK's retryer not to try again: the answer
// will not change.
func (e *TLSEndpointError) RetryableError() bool { return false }

// NonRetriable tells the Azure SDK's retry policy the same.
func (e *TLSEndpointError) NonRetriable() {}

// Doer sends one HTTP request: *http.Client, the AWS SDK's HTTPClient and
// the Azure SDK's Transporter all are.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// DetectTLSEndpoint wraps the HTTP client of a sink so that a plain-HTTP
// request answered by a TLS endpoint fails with a *TLSEndpointError.
// Without it, each SDK reports that mistake its own way: a reset connection
// (retried as if it were a network glitch), an EOF, or an HTTP 400 ("Client
// sent an HTTP request to an HTTPS server") mapped like any API error.
// Requests over https, and every answer that is not one of those signs, pass
// through untouched.
func DetectTLSEndpoint(d Doer) Doer {
	return doerFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := d.Do(req)
		return CheckPlainHTTPAnswer(req, resp, err)
	})
}

// DetectTLSEndpointTransport is DetectTLSEndpoint for an http.RoundTripper.
func DetectTLSEndpointTransport(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		return CheckPlainHTTPAnswer(req, resp, err)
	})
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// tlsServerAnswers are what TLS servers answer to a plain-HTTP request:
// Go's crypto/tls servers (MinIO, fake-gcs-server), nginx, Apache.
var tlsServerAnswers = []string{
	"Client sent an HTTP request to an HTTPS server",
	"The plain HTTP request was sent to HTTPS port",
	"speaking plain HTTP to an SSL-enabled server port",
}

// peekSize is how much of a 400 answer is read to look for those texts.
const peekSize = 1024

// probeTimeout bounds the TLS handshake that checks a suspected endpoint.
const probeTimeout = 5 * time.Second

// CheckPlainHTTPAnswer looks at the outcome of one plain-HTTP request for
// the signs of a TLS endpoint and returns a *TLSEndpointError when it finds
// them; otherwise it returns resp and err unchanged. The signs: an HTTP 400
// whose body is a TLS server's canned complaint, or a connection that broke
// (reset, EOF, a malformed answer: some servers close at once, and a TLS
// alert is not HTTP) or a header-less 400 where a TLS handshake with the
// same address then succeeds. That handshake is only tried after such a
// failure and sends nothing but a ClientHello.
func CheckPlainHTTPAnswer(req *http.Request, resp *http.Response, err error) (*http.Response, error) {
	if req == nil || req.URL == nil || req.URL.Scheme != "http" {
		return resp, err
	}
	host := hostPort(req)
	if err != nil {
		if brokenAtOnce(err) && speaksTLS(req.Context(), host) {
			return nil, &TLSEndpointError{Host: host}
		}
		return resp, err
	}
	if resp == nil || resp.StatusCode != http.StatusBadRequest {
		return resp, err
	}
	head, rerr := io.ReadAll(io.LimitReader(resp.Body, peekSize))
	for _, answer := range tlsServerAnswers {
		if bytes.Contains(head, []byte(answer)) {
			resp.Body.Close()
			return nil, &TLSEndpointError{Host: host}
		}
	}
	// A response without a single header is a canned one (Go's TLS server
	// answers a HEAD request so, without a body): ask the address itself.
	if len(resp.Header) == 0 && speaksTLS(req.Context(), host) {
		resp.Body.Close()
		return nil, &TLSEndpointError{Host: host}
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), errReader{rerr}, resp.Body), resp.Body}
	return resp, nil
}

// errReader returns err once the peeked bytes are read (nil: go on).
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}

// brokenAtOnce reports the failures a TLS server causes in a plain-HTTP
// client: a reset or closed connection, or an answer that is not HTTP.
func brokenAtOnce(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	msg := err.Error()
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(msg, "malformed HTTP response") || strings.Contains(msg, "connection reset")
}

// speaksTLS reports whether host completes a TLS handshake, or refuses one
// with a TLS alert (it speaks TLS either way).
func speaksTLS(ctx context.Context, host string) bool {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	name, _, _ := net.SplitHostPort(host)
	// Only the server's answer to the hello matters; nothing is sent after
	// it, so its certificate needs no verification.
	d := tls.Dialer{Config: &tls.Config{ServerName: name, InsecureSkipVerify: true}} //nolint:gosec // a probe that sends no data
	conn, err := d.DialContext(ctx, "tcp", host)
	if err == nil {
		conn.Close()
		return true
	}
	var alert tls.AlertError
	return errors.As(err, &alert)
}

// hostPort is the address of req's server, with the scheme's default port.
func hostPort(req *http.Request) string {
	host := req.URL.Host
	if req.URL.Port() == "" {
		host = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	return host
}
