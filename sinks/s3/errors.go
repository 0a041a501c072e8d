package s3

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"syscall"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// call describes one S3 request for error messages.
type call struct {
	verb   string // put, open, stat, list, delete
	key    string // sink key (or list prefix)
	action string // the IAM action the request needs
	arn    string // the resource it needs it on
}

func (s *sink) objectCall(verb, key, action string) call {
	return call{verb: verb, key: key, action: action, arn: s.objectARN(s.full(key))}
}

func (s *sink) objectARN(name string) string {
	return fmt.Sprintf("arn:%s:s3:::%s/%s", s.partition, s.loc.bucket, name)
}

// stagingARN covers the staged uploads of large objects.
func (s *sink) stagingARN() string { return s.objectARN(s.full(tmpDir) + "/*") }

func (s *sink) bucketARN() string { return fmt.Sprintf("arn:%s:s3:::%s", s.partition, s.loc.bucket) }

// s3Error is a one-line message for operators that still unwraps to both
// the sentinel and the SDK's error.
type s3Error struct {
	msg  string
	errs []error
}

func (e *s3Error) Error() string   { return e.msg }
func (e *s3Error) Unwrap() []error { return e.errs }

func isAuthCode(code string) bool {
	switch code {
	case "ExpiredToken", "TokenRefreshRequired", "InvalidToken", "ExpiredTokenException", "InvalidClientTokenId":
		return true
	}
	return false
}

func isPermissionCode(code string) bool {
	switch code {
	case "AccessDenied", "Forbidden", "AllAccessDisabled", "AccountProblem":
		return true
	}
	return false
}

func isRegionCode(code string) bool {
	switch code {
	case "AuthorizationHeaderMalformed", "PermanentRedirect", "MovedPermanently", "TemporaryRedirect", "IllegalLocationConstraintException":
		return true
	}
	return false
}

func isTransientCode(code string) bool {
	switch code {
	case "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "ServiceUnavailable",
		"InternalError", "RequestTimeout", "XMinioServerNotInitialized", "OperationAborted",
		"BadDigest", "XAmzContentChecksumMismatch": // the data was damaged on the way

		return true
	}
	return false
}

// expectingRegion finds the bucket's region in an AuthorizationHeaderMalformed message.
func expectingRegion(message string) string {
	if m := regexp.MustCompile(`expecting '([a-z0-9-]+)'`).FindStringSubmatch(message); m != nil {
		return m[1]
	}
	return ""
}

// fail turns an SDK error into an error wrapping the right sentinel, with a
// one-line message naming the problem and its fix. Secrets are scrubbed.
func (s *sink) fail(c call, err error) error {
	if err == nil {
		return nil
	}
	sentinel, detail, transient := s.classify(c, err)
	msg := fmt.Sprintf("s3 %s %q (%s): ", c.verb, c.key, s.loc.display)
	if sentinel != nil && sentinel != sinks.ErrNoBucket { // the missing-bucket detail already says so
		msg += sentinel.Error() + ": "
	}
	e := &s3Error{msg: s.secrets.scrub(oneLine(msg + detail)), errs: []error{err}}
	if sentinel != nil {
		e.errs = []error{sentinel, err}
	}
	if transient {
		return sinks.Transient(e)
	}
	return e
}

func (s *sink) classify(c call, err error) (sentinel error, detail string, transient bool) {
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, "timed out (" + context.DeadlineExceeded.Error() + ")", false
	}
	if errors.Is(err, context.Canceled) {
		return nil, "cancelled (" + context.Canceled.Error() + ")", false
	}
	var ce *credsError
	if errors.As(err, &ce) {
		return sinks.ErrAuth, fmt.Sprintf("no usable AWS credentials (%s): set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run with an IAM role", shorten(ce.err.Error())), false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return s.classifyAPI(c, err, ae)
	}
	return s.classifyNet(err)
}

func (s *sink) classifyAPI(c call, err error, ae smithy.APIError) (error, string, bool) {
	code, status, reqID, region := ae.ErrorCode(), 0, "", ""
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status, reqID = re.HTTPStatusCode(), re.ServiceRequestID()
		if re.Response != nil {
			region = re.Response.Header.Get("X-Amz-Bucket-Region")
		}
	}
	tag := fmt.Sprintf(" (S3 %s, HTTP %d, request %s)", code, status, reqID)
	switch {
	case code == "NoSuchKey" || code == "NotFound" || (status == 404 && code != "NoSuchBucket" && code != "NoSuchUpload"):
		return sinks.ErrNotExist, fmt.Sprintf("no object %s in bucket %q", s.full(c.key), s.loc.bucket), false
	case code == "NoSuchBucket":
		return sinks.ErrNoBucket, fmt.Sprintf("bucket %q does not exist at endpoint %s: create it or fix the URL", s.loc.bucket, s.endpoint), false
	case code == "RequestTimeTooSkewed":
		return sinks.ErrAuth, "this machine's clock differs too much from the server's: fix the clock (NTP)" + tag, false
	case code == "InvalidAccessKeyId":
		return sinks.ErrAuth, fmt.Sprintf("%s does not know the access key ID: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE%s", s.endpoint, tag), false
	case code == "SignatureDoesNotMatch":
		return sinks.ErrAuth, "the secret key does not match the access key ID: check AWS_SECRET_ACCESS_KEY (or the AWS_PROFILE credentials)" + tag, false
	case isAuthCode(code):
		return sinks.ErrAuth, "the session token is invalid or expired: refresh the credentials (AWS_SESSION_TOKEN, AWS_PROFILE, aws sso login)" + tag, false
	case isRegionCode(code) || status == 301 || (region != "" && (status == 400 || status == 307)):
		if region == "" {
			region = expectingRegion(ae.ErrorMessage())
		}
		if region == "" {
			region = "<the bucket's region>"
		}
		return sinks.ErrBadURL, fmt.Sprintf("bucket %q is in another region: add ?region=%s to the URL%s", s.loc.bucket, region, tag), false
	case isPermissionCode(code) || status == 403:
		hint := ""
		if c.verb == "open" || c.verb == "stat" {
			hint = fmt.Sprintf(" (without s3:ListBucket on %s, S3 also answers 403 for a missing object)", s.bucketARN())
		}
		return sinks.ErrPermission, fmt.Sprintf("the credentials in use may not %s on %s: grant it in the IAM or bucket policy%s%s", c.action, c.arn, hint, tag), false
	case code == "InvalidBucketName":
		return sinks.ErrBadURL, fmt.Sprintf("the server rejects the bucket name %q: fix the URL%s", s.loc.bucket, tag), false
	case isTransientCode(code) || status >= 500 || status == 429:
		return nil, fmt.Sprintf("the server is busy or failing: %s%s", shorten(ae.ErrorMessage()), tag), true
	}
	return nil, fmt.Sprintf("%s%s", shorten(ae.ErrorMessage()), tag), false
}

func (s *sink) classifyNet(err error) (error, string, bool) {
	var dns *net.DNSError
	var op *net.OpError
	var unknownCA x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var header tls.RecordHeaderError
	switch {
	case errors.As(err, &dns):
		return sinks.ErrUnreachable, fmt.Sprintf("cannot resolve %q (%s): check the host in ?endpoint= or the DNS setup", dns.Name, shorten(dns.Err)), false
	case errors.As(err, &unknownCA), errors.As(err, &host), errors.As(err, &invalid), errors.As(err, &verify), errors.As(err, &header),
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return sinks.ErrUnreachable, fmt.Sprintf("TLS with %s failed (%s): check http vs https in ?endpoint= and the CA certificates", s.endpoint, shorten(innermost(err))), false
	case errors.As(err, &op) && op.Op == "dial":
		return sinks.ErrUnreachable, fmt.Sprintf("cannot connect to %s (%s): check ?endpoint= and that the server is running", s.endpoint, shorten(innermost(err))), false
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), strings.Contains(err.Error(), "connection reset"), isTimeout(err),
		errors.As(err, &op) && (op.Op == "read" || op.Op == "write"):
		return nil, fmt.Sprintf("connection to %s broke (%s)", s.endpoint, shorten(innermost(err))), true
	}
	return nil, shorten(err.Error()), false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// innermost returns the text of the deepest error in a chain of single wraps.
func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func shorten(s string) string {
	s = oneLine(s)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
