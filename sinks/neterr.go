package sinks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
)

// NetProblem is a failure below the storage API: the endpoint could not be
// talked to at all, the connection broke, or the caller gave up.
type NetProblem struct {
	Kind      error  // ErrUnreachable, or nil (a broken connection, a cancelled or timed-out call)
	Transient bool   // a retry may succeed
	Problem   string // what happened, naming the endpoint
	Fix       string // what to do; "" for a cancelled call
}

// Fixes shared by several problems.
const (
	fixServer  = "check the host and port of the endpoint and that the server is running"
	fixRoute   = "check the endpoint, the network route, firewalls and proxy settings (HTTPS_PROXY, NO_PROXY)"
	fixUseTLS  = "write https:// in the endpoint"
	fixNoTLS   = "write http:// in the endpoint, or enable TLS on the server"
	fixFlaky   = "it is retried; if it keeps happening, check the network and any proxy or load balancer in between"
	fixHandsh  = "check which TLS versions and client certificates the endpoint requires"
	fixTrustCA = "add the CA that signed the server's certificate to this machine's trust store (or point SSL_CERT_FILE at it), or fix the endpoint"
)

// ClassifyNet finds the network-level cause of err, an error of a request to
// endpoint (the URL shown in messages): a refused or unroutable connection,
// a DNS failure, a TLS failure (untrusted certificate, handshake alert, plain
// HTTP on one side and TLS on the other), a connection that broke, or a
// cancelled or timed-out context. ok is false when err is none of these (an
// answer of the storage service, a credentials problem): the backend maps
// those with its API's error codes.
//
// This is the one place that decides these cases, so that every cloud sink
// names them, and marks them retryable, the same way.
func ClassifyNet(err error, endpoint string) (p NetProblem, ok bool) {
	if err == nil {
		return NetProblem{}, false
	}
	if endpoint == "" {
		endpoint = "the endpoint"
	}
	switch {
	case errors.Is(err, context.Canceled):
		return NetProblem{Problem: "cancelled (" + context.Canceled.Error() + ")"}, true
	case errors.Is(err, context.DeadlineExceeded):
		return NetProblem{Problem: "timed out (" + context.DeadlineExceeded.Error() + ")",
			Fix: "allow more time, or check why " + endpoint + " answers slowly"}, true
	}
	for _, classify := range []func(error, string) (NetProblem, bool){classifyMismatch, classifyTLS, classifyConnect, classifyBroken} {
		if p, ok := classify(err, endpoint); ok {
			return p, true
		}
	}
	return NetProblem{}, false
}

// NetError completes e (Op, Key and Sink set) for err, a failure talking to
// endpoint, when ClassifyNet recognises it, and marks it Transient when a
// retry may help. ok is false when err is not network-level.
func NetError(e OpError, endpoint string, err error) (_ error, ok bool) {
	p, ok := ClassifyNet(err, endpoint)
	if !ok {
		return nil, false
	}
	e.Kind, e.Problem, e.Fix, e.Err = p.Kind, p.Problem, p.Fix, err
	if p.Transient {
		return Transient(&e), true
	}
	return &e, true
}

func unreachable(problem, fix string) NetProblem {
	return NetProblem{Kind: ErrUnreachable, Problem: problem, Fix: fix}
}

// classifyMismatch finds plain HTTP on one side and TLS on the other.
func classifyMismatch(err error, endpoint string) (NetProblem, bool) {
	var toTLS *TLSEndpointError
	var header tls.RecordHeaderError
	msg := err.Error()
	switch {
	case errors.As(err, &toTLS):
		return unreachable(endpoint+" speaks TLS, not plain HTTP", fixUseTLS), true
	case errors.Is(err, http.ErrSchemeMismatch), strings.Contains(msg, http.ErrSchemeMismatch.Error()),
		errors.As(err, &header) && looksHTTP(header.RecordHeader):
		return unreachable(endpoint+" answers plain HTTP, not TLS", fixNoTLS), true
	case errors.As(err, &header), strings.Contains(msg, "first record does not look like a TLS handshake"):
		return unreachable(endpoint+" answers something that is not TLS (first record does not look like a TLS handshake)", fixNoTLS), true
	}
	return NetProblem{}, false
}

// looksHTTP reports the first bytes of an HTTP answer: a status line, or
// the HTML error page a server sends without one (Python's http.server
// answers an unparsable request, such as a TLS hello, in HTTP/0.9 style).
func looksHTTP(head [5]byte) bool {
	return string(head[:]) == "HTTP/" || head[0] == '<'
}

// classifyTLS finds a certificate the client does not accept and a
// handshake that one side broke off.
func classifyTLS(err error, endpoint string) (NetProblem, bool) {
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
		alert     tls.AlertError
		op        *net.OpError
	)
	switch {
	case errors.As(err, &unknownCA):
		return unreachable(fmt.Sprintf("the TLS certificate of %s is not trusted (%v)", endpoint, unknownCA), fixTrustCA), true
	case errors.As(err, &hostname):
		return unreachable(fmt.Sprintf("the TLS certificate of %s does not name that host (%v)", endpoint, hostname),
			"connect by a name the certificate lists, or reissue the certificate"), true
	case errors.As(err, &invalid):
		return unreachable(fmt.Sprintf("the TLS certificate of %s is not valid (%v)", endpoint, invalid),
			"renew the server's certificate, or fix this machine's clock"), true
	case errors.As(err, &verify):
		return unreachable(fmt.Sprintf("the TLS certificate of %s was rejected (%v)", endpoint, verify.Err), fixTrustCA), true
	case errors.As(err, &op) && op.Op == "remote error": // crypto/tls reports an alert the peer sent so
		return unreachable(fmt.Sprintf("%s refused the TLS handshake (%v)", endpoint, op.Err), fixHandsh), true
	case errors.As(err, &op) && op.Op == "local error", errors.As(err, &alert): // an alert this side sent
		return unreachable(fmt.Sprintf("the TLS handshake with %s failed (%s)", endpoint, innermost(err)), fixHandsh), true
	}
	return NetProblem{}, false
}

// classifyConnect finds a connection that could not be opened.
func classifyConnect(err error, endpoint string) (NetProblem, bool) {
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &dns):
		return unreachable(fmt.Sprintf("cannot resolve the host of %s (lookup %s: %s)", endpoint, dns.Name, dns.Err),
			"check the host name in the endpoint and this machine's DNS settings"), true
	case errors.As(err, &op) && op.Op == "proxyconnect":
		return unreachable(fmt.Sprintf("cannot connect to %s through the proxy (%s)", endpoint, innermost(err)),
			"check HTTPS_PROXY, HTTP_PROXY and NO_PROXY"), true
	case errors.Is(err, syscall.ECONNREFUSED):
		return unreachable("cannot connect to "+endpoint+": connection refused", fixServer), true
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return unreachable(fmt.Sprintf("cannot reach %s (%s)", endpoint, innermost(err)), fixRoute), true
	case errors.As(err, &op) && op.Op == "dial" && op.Timeout():
		return unreachable(fmt.Sprintf("connecting to %s timed out (%s)", endpoint, innermost(err)), fixRoute), true
	case errors.As(err, &op) && op.Op == "dial":
		return unreachable(fmt.Sprintf("cannot connect to %s (%s)", endpoint, innermost(err)), fixRoute), true
	}
	return NetProblem{}, false
}

// classifyBroken finds an established connection that broke or stopped
// answering: worth a retry.
func classifyBroken(err error, endpoint string) (NetProblem, bool) {
	var ne net.Error
	var op *net.OpError
	broken := func(problem string) (NetProblem, bool) {
		return NetProblem{Transient: true, Problem: problem, Fix: fixFlaky}, true
	}
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return broken(fmt.Sprintf("%s stopped answering (%s)", endpoint, innermost(err)))
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.As(err, &op) && (op.Op == "read" || op.Op == "write"),
		strings.Contains(err.Error(), "connection reset"), strings.Contains(err.Error(), "broken pipe"):
		return broken(fmt.Sprintf("the connection to %s broke (%s)", endpoint, innermost(err)))
	}
	return NetProblem{}, false
}

// innermost returns the text of the deepest error in a chain of single
// wraps: "connection refused" rather than the request that met it.
func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return clip(oneLine(err.Error()))
		}
		err = next
	}
}
