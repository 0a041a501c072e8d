package gcs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

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

const credentialsHint = `set GOOGLE_APPLICATION_CREDENTIALS to a valid service account key file, use workload identity, or run "gcloud auth application-default login"`

// opError starts the error of op on key.
func (s *sink) opError(op operation, key string, cause error) sinks.OpError {
	return sinks.OpError{Op: "gs " + op.verb, Key: key, Sink: s.url, Err: cause}
}

func (s *sink) notExist(op operation, key string) error {
	e := s.opError(op, key, nil)
	e.Kind, e.Problem = sinks.ErrNotExist, "object does not exist"
	return &e
}

// mapErr turns an SDK error into a *sinks.OpError that names the problem
// and the fix and wraps the matching sentinel (or is marked transient).
// Network-level failures are classified by sinks.ClassifyNet, like every
// cloud sink's; this maps the answers of GCS and its credential chain.
func (s *sink) mapErr(ctx context.Context, err error, op operation, key string) error {
	if err == nil {
		return nil
	}
	e := s.opError(op, key, err)
	var gerr *googleapi.Error
	var aerr *auth.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		ne, _ := sinks.NetError(e, s.endpoint, err)
		return ne
	case errors.As(err, &gerr):
		return s.mapHTTP(ctx, e, gerr, op)
	case errors.Is(err, storage.ErrBucketNotExist):
		return s.noBucket(e)
	case errors.Is(err, storage.ErrObjectNotExist): // the XML download path keeps no body
		return s.notFound(ctx, e, nil)
	case errors.As(err, &aerr):
		e.Kind, e.Problem, e.Fix = sinks.ErrAuth, "Google Cloud rejected the credentials ("+summary(err)+")", credentialsHint
		return &e
	}
	if ne, ok := sinks.NetError(e, s.endpoint, err); ok {
		return ne
	}
	if op == opConnect { // the client dials nothing yet: only loading credentials can fail
		e.Kind, e.Problem, e.Fix = sinks.ErrAuth, "no usable Google Cloud credentials ("+summary(err)+")", credentialsHint
		return &e
	}
	e.Problem = summary(err)
	if storage.ShouldRetry(err) {
		e.Fix = "it is retried; if it keeps failing, check the network and " + s.endpoint
		return sinks.Transient(&e)
	}
	return &e
}

func (s *sink) mapHTTP(ctx context.Context, e sinks.OpError, gerr *googleapi.Error, op operation) error {
	cause := summary(gerr)
	switch code := gerr.Code; {
	case code == http.StatusUnauthorized:
		e.Kind, e.Problem, e.Fix = sinks.ErrAuth, "Google Cloud rejected the credentials ("+cause+")", credentialsHint
	case code == http.StatusForbidden && !rateLimited(gerr):
		perm := op.perm
		if m := permissionName.FindString(gerr.Message); m != "" {
			perm = m // e.g. storage.objects.delete when a Put overwrites
		}
		e.Kind, e.Problem = sinks.ErrPermission, fmt.Sprintf("permission %s denied on bucket %q (%s)", perm, s.name, cause)
		e.Fix = "grant it to the account (for example roles/storage.objectUser on the bucket)"
	case code == http.StatusNotFound:
		if op == opPut || op == opList {
			return s.noBucket(e)
		}
		return s.notFound(ctx, e, gerr)
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 || rateLimited(gerr):
		e.Problem, e.Fix = "GCS is throttling or unavailable ("+cause+")", "it is retried; if it keeps failing, try again later"
		return sinks.Transient(&e)
	default:
		e.Problem = cause
	}
	return &e
}

func (s *sink) noBucket(e sinks.OpError) error {
	e.Kind, e.Problem, e.Fix = sinks.ErrNoBucket, fmt.Sprintf("bucket %q does not exist", s.name), "create it or fix the URL"
	return &e
}

var permissionName = regexp.MustCompile(`storage\.[a-zA-Z]+\.[a-zA-Z]+`)

// notFound tells a missing bucket from a missing object. GCS answers 404 to
// both, with "The specified bucket does not exist." or "No such object: …";
// when the message does not say (fake-gcs-server answers "Not Found" to
// both, and the XML download API keeps no message), one object listing
// settles it: it fails with 404 only when the bucket is missing.
func (s *sink) notFound(ctx context.Context, e sinks.OpError, gerr *googleapi.Error) error {
	missing := false
	switch {
	case gerr != nil && bucketMissing(gerr):
		missing = true
	case gerr != nil && strings.Contains(strings.ToLower(gerr.Message), "no such object"):
	default:
		missing = !s.bucketExists(ctx, e.Key)
	}
	if missing {
		return s.noBucket(e)
	}
	e.Kind, e.Problem = sinks.ErrNotExist, "object does not exist"
	return &e
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

// shouldRetry is the SDK's retry predicate minus unreachable endpoints, which
// the SDK would otherwise retry until the context ends.
func shouldRetry(err error) bool {
	if p, ok := sinks.ClassifyNet(err, ""); ok && p.Kind != nil {
		return false
	}
	return storage.ShouldRetry(err)
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
		return fmt.Sprintf("HTTP %d: %s", gerr.Code, sinks.OneLine(msg))
	}
	return sinks.Describe(err)
}
