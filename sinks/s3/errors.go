package s3

import (
	"context"
	"errors"
	"fmt"
	"regexp"

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

// fail turns an SDK error into a *sinks.OpError wrapping the right
// sentinel, with a one-line message naming the problem and its fix, marked
// transient when a retry may help. Network-level failures are classified by
// sinks.ClassifyNet, like every cloud sink's; this maps S3's own answers.
// Secrets are scrubbed.
func (s *sink) fail(c call, err error) error {
	if err == nil {
		return nil
	}
	e := sinks.OpError{Op: "s3 " + c.verb, Key: c.key, Sink: s.loc.display, Err: err}
	var transient bool
	var ae smithy.APIError
	var ce *credsError
	switch {
	case errors.As(err, &ce) && !isContext(err):
		e.Kind, e.Problem = sinks.ErrAuth, "no usable AWS credentials ("+sinks.Describe(ce.err)+")"
		e.Fix = "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run with an IAM role"
	case errors.As(err, &ae):
		e.Kind, e.Problem, e.Fix, transient = s.classifyAPI(c, err, ae)
	default:
		if ne, ok := sinks.NetError(e, s.endpoint, err); ok {
			return s.scrubbed(ne)
		}
		e.Problem = sinks.Describe(err)
	}
	var out error = &e
	if transient {
		out = sinks.Transient(out)
	}
	return s.scrubbed(out)
}

// scrubbed masks every secret the sink has used in the message of err.
func (s *sink) scrubbed(err error) error {
	var e *sinks.OpError
	if errors.As(err, &e) {
		e.Problem, e.Fix = s.secrets.scrub(e.Problem), s.secrets.scrub(e.Fix)
	}
	return err
}

func isContext(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// classifyAPI maps an answer of S3 to a sentinel, the problem and its fix.
func (s *sink) classifyAPI(c call, err error, ae smithy.APIError) (kind error, problem, fix string, transient bool) {
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
		return sinks.ErrNotExist, fmt.Sprintf("no object %s in bucket %q", s.full(c.key), s.loc.bucket), "", false
	case code == "NoSuchBucket":
		return sinks.ErrNoBucket, fmt.Sprintf("bucket %q does not exist at endpoint %s", s.loc.bucket, s.endpoint), "create it or fix the URL", false
	case code == "RequestTimeTooSkewed":
		return sinks.ErrAuth, "this machine's clock differs too much from the server's", "fix the clock (NTP)" + tag, false
	case code == "InvalidAccessKeyId":
		return sinks.ErrAuth, s.endpoint + " does not know the access key ID",
			"check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE" + tag, false
	case code == "SignatureDoesNotMatch":
		return sinks.ErrAuth, "the secret key does not match the access key ID",
			"check AWS_SECRET_ACCESS_KEY (or the AWS_PROFILE credentials)" + tag, false
	case isAuthCode(code):
		return sinks.ErrAuth, "the session token is invalid or expired",
			"refresh the credentials (AWS_SESSION_TOKEN, AWS_PROFILE, aws sso login)" + tag, false
	case isRegionCode(code) || status == 301 || (region != "" && (status == 400 || status == 307)):
		if region == "" {
			region = expectingRegion(ae.ErrorMessage())
		}
		if region == "" {
			region = "<the bucket's region>"
		}
		return sinks.ErrBadURL, fmt.Sprintf("bucket %q is in another region", s.loc.bucket), "add ?region=" + region + " to the URL" + tag, false
	case isPermissionCode(code) || status == 403:
		hint := ""
		if c.verb == "open" || c.verb == "stat" {
			hint = fmt.Sprintf(" (without s3:ListBucket on %s, S3 also answers 403 for a missing object)", s.bucketARN())
		}
		return sinks.ErrPermission, fmt.Sprintf("access denied: the credentials in use may not %s on %s", c.action, c.arn),
			"grant it in the IAM or bucket policy" + hint + tag, false
	case code == "InvalidBucketName":
		return sinks.ErrBadURL, fmt.Sprintf("the server rejects the bucket name %q", s.loc.bucket), "fix the URL" + tag, false
	case isTransientCode(code) || status >= 500 || status == 429:
		return nil, "the server is busy or failing: " + sinks.OneLine(ae.ErrorMessage()), "it is retried; if it keeps failing, check the server" + tag, true
	}
	return nil, sinks.OneLine(ae.ErrorMessage()) + tag, "", false
}
