package sinks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/redact"
)

// ErrDuplicate: two sink URLs of one list name the same storage.
var ErrDuplicate = errors.New("the same sink is named twice")

// DuplicateError names the two spellings of one sink.
type DuplicateError struct {
	First, Second string // as given, secrets masked
	Identity      string // what both name
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%q and %q name the same sink (%s): give each sink once", e.First, e.Second, e.Identity)
}

func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// locationOnly are query parameters that choose how to reach a bucket, not
// which bucket: S3 bucket names are global, and path-style addressing
// reaches the same bucket as virtual-hosted style.
var locationOnly = map[string]bool{"region": true, "path_style": true}

// Identity returns the storage a sink URL names, in one spelling: the
// scheme in lower case; for file:// the absolute, cleaned directory with
// symbolic links resolved as far as the path exists; otherwise the bucket,
// the prefix without empty segments or slashes at either end, and the
// parameters that change the storage (endpoint, account) in sorted order,
// with the endpoint's scheme and host in lower case and without a default
// port or a trailing slash. Two URLs with the same identity read and write
// the same objects.
func Identity(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w %q: %v", ErrBadURL, redact.URL(raw), redact.Error(err, raw))
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "file" {
		return "file://" + localDir(u), nil
	}
	id := scheme + "://" + u.Host
	if prefix := cleanPrefix(u.Path); prefix != "" {
		id += "/" + prefix
	}
	q := url.Values{}
	for k, vs := range u.Query() {
		if locationOnly[k] || len(vs) == 0 {
			continue
		}
		v := vs[len(vs)-1]
		if k == "endpoint" {
			v = cleanEndpoint(v)
		}
		q.Set(k, v)
	}
	if len(q) > 0 {
		id += "?" + q.Encode() // sorted by key
	}
	return redact.URL(id), nil
}

func cleanPrefix(p string) string {
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return strings.Join(segs, "/")
}

func cleanEndpoint(raw string) string {
	e, err := url.Parse(raw)
	if err != nil || e.Host == "" {
		return raw
	}
	e.Scheme, e.Host = strings.ToLower(e.Scheme), strings.ToLower(e.Host)
	if p := e.Port(); (e.Scheme == "http" && p == "80") || (e.Scheme == "https" && p == "443") {
		e.Host = e.Hostname()
	}
	e.Path = strings.TrimRight(e.Path, "/")
	e.RawPath = ""
	return e.String()
}

// localDir is the directory of a file:// URL as an absolute path, with the
// symbolic links of its existing part resolved.
func localDir(u *url.URL) string {
	dir := u.Path
	if u.Host == "." || u.Host == ".." {
		dir = u.Host + u.Path
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return filepath.Clean(dir)
	}
	var missing []string
	for p := abs; ; p = filepath.Dir(p) {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(append([]string{real}, missing...)...)
		}
		if filepath.Dir(p) == p {
			return abs
		}
		missing = append([]string{filepath.Base(p)}, missing...)
	}
}

// Distinct returns a *DuplicateError (wrapping ErrDuplicate) for the first
// two of urls that name the same storage. URLs that do not parse are left
// to Open to refuse.
func Distinct(urls []string) error {
	seen := map[string]string{}
	for _, raw := range urls {
		id, err := Identity(raw)
		if err != nil {
			continue
		}
		if first, dup := seen[id]; dup {
			return &DuplicateError{First: redact.URL(first), Second: redact.URL(raw), Identity: id}
		}
		seen[id] = raw
	}
	return nil
}

// OpenAll opens every URL with open and returns them as one Fanout (the
// first URL is the primary for reads). Two URLs that name the same storage
// are refused before any is opened: a fan-out that writes every object
// twice to one place fails late and obscurely. When one URL fails to open,
// the sinks already opened are closed.
func OpenAll(ctx context.Context, urls []string, open func(context.Context, string) (Sink, error)) (Sink, error) {
	if len(urls) == 0 {
		return nil, fmt.Errorf("%w: no sink URL given", ErrBadURL)
	}
	if err := Distinct(urls); err != nil {
		return nil, err
	}
	opened := make([]Sink, 0, len(urls))
	for _, raw := range urls {
		s, err := open(ctx, raw)
		if err != nil {
			for _, o := range opened {
				_ = o.Close()
			}
			return nil, err
		}
		opened = append(opened, s)
	}
	return Fanout(opened...), nil
}
