package s3

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/redact"
	"github.com/pilotlight-dr/pilotlight/sinks"
)

// location is what an s3:// URL names.
type location struct {
	bucket    string
	prefix    string // no leading or trailing slash; "" for the whole bucket
	region    string // "" when the URL does not say
	endpoint  string // "" for AWS
	pathStyle bool
	display   string // the URL with secrets masked
}

// parseURL reads s3://bucket/prefix?region=R&endpoint=E&path_style=B.
func parseURL(u *url.URL) (location, error) {
	shown := redact.URL(u.String())
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", sinks.ErrBadURL, shown, fmt.Sprintf(format, args...))
	}
	if !strings.EqualFold(u.Scheme, "s3") {
		return location{}, bad("scheme %q is not s3://", u.Scheme)
	}
	if u.Opaque != "" {
		return location{}, bad("write s3://bucket/prefix (with two slashes)")
	}
	if u.User != nil {
		return location{}, bad("credentials in the URL are not supported: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE instead")
	}
	if u.Port() != "" {
		return location{}, bad("the host part is the bucket name and takes no port: put the server in ?endpoint=http://host:port")
	}
	if u.Fragment != "" {
		return location{}, bad("unexpected #fragment")
	}
	q, err := sinks.QueryParams(u, "region", "endpoint", "path_style")
	if err != nil {
		return location{}, err
	}
	loc := location{
		bucket:   u.Hostname(),
		prefix:   strings.Trim(u.Path, "/"),
		region:   q.Get("region"),
		endpoint: q.Get("endpoint"),
	}
	if v := q.Get("path_style"); v != "" {
		loc.pathStyle, err = strconv.ParseBool(v)
		if err != nil {
			return location{}, bad("path_style=%q is not a boolean: use path_style=true or false", v)
		}
	}
	if q.Has("region") && loc.region == "" {
		return location{}, bad("empty region: use ?region=us-east-1 or leave the parameter out")
	}
	if loc.endpoint != "" {
		e, err := url.Parse(loc.endpoint)
		if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" || e.User != nil {
			return location{}, bad("endpoint=%q must look like https://host[:port] (no credentials)", redact.URL(loc.endpoint))
		}
	}
	if err := checkBucket(loc.bucket, loc.pathStyle); err != nil {
		return location{}, bad("%v", err)
	}
	if loc.prefix != "" {
		if err := checkKey(loc.prefix); err != nil {
			return location{}, bad("prefix: %s", strings.TrimPrefix(err.Error(), sinks.ErrBadURL.Error()+": "))
		}
	}
	loc.display = shown
	return loc, nil
}

// checkBucket applies the S3 bucket naming rules. Legacy us-east-1 names
// (upper case, underscores, up to 255 characters) only work with path-style
// addressing, so they are accepted only with path_style=true.
func checkBucket(b string, pathStyle bool) error {
	if b == "" {
		return fmt.Errorf("missing bucket name: write s3://bucket/prefix")
	}
	legacyOK := len(b) >= 3 && len(b) <= 255
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			legacyOK = false
		}
	}
	if problem := dnsBucketProblem(b); problem != "" {
		if legacyOK && pathStyle {
			return nil
		}
		hint := ""
		if legacyOK {
			hint = "; an old us-east-1 bucket with such a name needs path_style=true"
		}
		return fmt.Errorf("invalid bucket name %q: %s (3-63 characters: lower-case letters, digits, '.' and '-')%s", b, problem, hint)
	}
	return nil
}

func dnsBucketProblem(b string) string {
	switch {
	case len(b) < 3 || len(b) > 63:
		return "must be 3 to 63 characters long"
	case net.ParseIP(b) != nil:
		return "must not look like an IP address"
	case strings.Contains(b, ".."):
		return "must not contain '..'"
	case !isLowerAlnum(b[0]) || !isLowerAlnum(b[len(b)-1]):
		return "must start and end with a lower-case letter or digit"
	}
	for i := 0; i < len(b); i++ {
		if c := b[i]; !isLowerAlnum(c) && c != '.' && c != '-' {
			return fmt.Sprintf("character %q is not allowed", c)
		}
	}
	return ""
}

func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// tmpDir is the key segment under which Put stages multipart uploads before
// it copies them, with their SHA-256, to their final key. Keys containing it
// are reserved: List hides them and Put refuses them.
const tmpDir = ".pilotlight-tmp"

// checkKey validates a sink key (or the URL prefix) and refuses the reserved
// staging segment.
func checkKey(key string) error {
	if err := sinks.ValidateKey(key); err != nil {
		return err
	}
	if isReserved(key) {
		return fmt.Errorf("%w: object key %q uses the segment %q, which pilotlight reserves for uploads in progress", sinks.ErrBadURL, key, tmpDir)
	}
	return nil
}

func isReserved(key string) bool {
	return key == tmpDir || strings.HasPrefix(key, tmpDir+"/") || strings.Contains(key, "/"+tmpDir+"/") || strings.HasSuffix(key, "/"+tmpDir)
}
