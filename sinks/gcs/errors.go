package gcs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"

	"cloud.google.com/go/auth"
	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// operation names what the sink was doing and the IAM permission it needs.
type operation struct {
	verb string
	perm string
}

var (
	opConnect = operation{"open client", ""}
	opPut     = operation{"put", "storage.objects.create"}
	opUpdate  = operation{"store SHA-256 of", "storage.objects.update"}
	opGet     = operation{"read", "storage.objects.get"}
	opList    = operation{"list", "storage.objects.list"}
	opDelete  = operation{"delete", "storage.objects.delete"}
)

// sinkError is a one-line message that wraps a sentinel and the SDK's error.
type sinkError struct {
	msg  string
	errs []error
}

func (e *sinkError) Error() string   { return e.msg }
func (e *sinkError) Unwrap() []error { return e.errs }

func wrap(sentinel, cause error, format string, args ...any) error {
	var errs []error
	for _, e := range []error{sentinel, cause} {
		if e != nil {
			errs = append(errs, e)
		}
	}
	return &sinkError{msg: fmt.Sprintf(format, args...), errs: errs}
}

const credentialsHint = `set GOOGLE_APPLICATION_CREDENTIALS to a valid service account key file, use workload identity, or run "gcloud auth application-default login"`

func (s *sink) notExist(key string) error {
	return wrap(sinks.ErrNotExist, nil, "%s: object %q does not exist", s.url, key)
}

// mapErr turns an SDK error into one line that names the problem and the fix
// and wraps the matching sentinel (or is marked transient).
func (s *sink) mapErr(ctx context.Context, err error, op operation, key string) error {
	if err == nil {
		return nil
	}
	what := s.url + ": " + op.verb
	if key != "" {
		what += fmt.Sprintf(" %q", key)
	}
	cause := summary(err)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return wrap(nil, err, "%s: %s", what, cause)
	}
	var gerr *googleapi.Error
	if errors.As(err, &gerr) {
		return s.mapHTTP(ctx, err, gerr, op, key, what, cause)
	}
	if errors.Is(err, storage.ErrBucketNotExist) {
		return s.noBucket(err)
	}
	if errors.Is(err, storage.ErrObjectNotExist) { // the XML download path keeps no body
		return s.notFound(ctx, err, nil, key)
	}
	var aerr *auth.Error
	if errors.As(err, &aerr) {
		return wrap(sinks.ErrAuth, err, "%s: Google Cloud rejected the credentials (%s): %s", what, cause, credentialsHint)
	}
	if unreachable(err) {
		return wrap(sinks.ErrUnreachable, err, "%s: cannot reach GCS endpoint %s (%s): check the network, DNS, proxy and TLS settings, or fix ?endpoint= / STORAGE_EMULATOR_HOST", what, s.endpoint, cause)
	}
	if op == opConnect { // the client dials nothing yet: only loading credentials can fail
		return wrap(sinks.ErrAuth, err, "%s: no usable Google Cloud credentials (%s): %s", what, cause, credentialsHint)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || storage.ShouldRetry(err) {
		return sinks.Transient(wrap(nil, err, "%s: connection to %s failed (%s); retry", what, s.endpoint, cause))
	}
	return wrap(nil, err, "%s: %s", what, cause)
}

func (s *sink) mapHTTP(ctx context.Context, err error, gerr *googleapi.Error, op operation, key, what, cause string) error {
	switch code := gerr.Code; {
	case code == http.StatusUnauthorized:
		return wrap(sinks.ErrAuth, err, "%s: Google Cloud rejected the credentials (%s): %s", what, cause, credentialsHint)
	case code == http.StatusForbidden && !rateLimited(gerr):
		perm := op.perm
		if m := permissionName.FindString(gerr.Message); m != "" {
			perm = m // e.g. storage.objects.delete when a Put overwrites
		}
		return wrap(sinks.ErrPermission, err, "%s: permission %s denied on bucket %q (%s): grant it to the account (for example roles/storage.objectUser on the bucket)", what, perm, s.name, cause)
	case code == http.StatusNotFound:
		if op == opPut || op == opList {
			return s.noBucket(err)
		}
		return s.notFound(ctx, err, gerr, key)
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 || rateLimited(gerr):
		return sinks.Transient(wrap(nil, err, "%s: GCS is throttling or unavailable (%s); retry later", what, cause))
	}
	return wrap(nil, err, "%s: %s", what, cause)
}

func (s *sink) noBucket(err error) error {
	return wrap(sinks.ErrNoBucket, err, "bucket %q does not exist: create it or fix the URL %s", s.name, s.url)
}

var permissionName = regexp.MustCompile(`storage\.[a-zA-Z]+\.[a-zA-Z]+`)

// notFound tells a missing bucket from a missing object. GCS answers 404 to
// both, with "The specified bucket does not exist." or "No such object: …";
// when the message does not say (fake-gcs-server answers "Not Found" to
// both, and the XML download API keeps no message), one object listing
// settles it: it fails with 404 only when the bucket is missing.
func (s *sink) notFound(ctx context.Context, err error, gerr *googleapi.Error, key string) error {
	missing := false
	switch {
	case gerr != nil && bucketMissing(gerr):
		missing = true
	case gerr != nil && strings.Contains(strings.ToLower(gerr.Message), "no such object"):
	default:
		missing = !s.bucketExists(ctx, key)
	}
	if missing {
		return s.noBucket(err)
	}
	return wrap(sinks.ErrNotExist, err, "%s: object %q does not exist", s.url, key)
}

func (s *sink) bucketExists(ctx context.Context, key string) bool {
	it := s.bucket.Objects(ctx, &storage.Query{Prefix: s.object(key)})
	it.PageInfo().MaxSize = 1
	_, err := it.Next()
	var gerr *googleapi.Error
	return !(errors.As(err, &gerr) && gerr.Code == http.StatusNotFound)
}

func bucketMissing(e *googleapi.Error) bool {
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "bucket") && (strings.Contains(m, "not exist") || strings.Contains(m, "not found"))
}

func rateLimited(e *googleapi.Error) bool {
	for _, it := range e.Errors {
		if strings.Contains(strings.ToLower(it.Reason), "ratelimit") {
			return true
		}
	}
	return false
}

// unreachable reports DNS failures, refused connections and TLS failures:
// the endpoint cannot be talked to at all.
func unreachable(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var invalidErr x509.CertificateInvalidError
	var recErr tls.RecordHeaderError
	switch {
	case errors.As(err, &dnsErr), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.As(err, &certErr), errors.As(err, &hostErr),
		errors.As(err, &authErr), errors.As(err, &invalidErr), errors.As(err, &recErr):
		return true
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return true
	}
	return false
}

// shouldRetry is the SDK's retry predicate minus unreachable endpoints, which
// the SDK would otherwise retry until the context ends.
func shouldRetry(err error) bool {
	return !unreachable(err) && storage.ShouldRetry(err)
}

// summary is err on one line; for an HTTP error, its status and message only.
func summary(err error) string {
	var gerr *googleapi.Error
	if errors.As(err, &gerr) {
		msg := gerr.Message
		if msg == "" {
			msg = strings.TrimSpace(gerr.Body)
		}
		if msg == "" {
			msg = http.StatusText(gerr.Code)
		}
		return fmt.Sprintf("HTTP %d: %s", gerr.Code, oneLine(msg))
	}
	var uerr *url.Error // drop "Get https://…?long-query:", keep the cause
	if errors.As(err, &uerr) {
		return oneLine(uerr.Err.Error())
	}
	return oneLine(err.Error())
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 300
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
