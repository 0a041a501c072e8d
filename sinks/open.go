package sinks

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/redact"
)

// Options tune a backend. Zero values pick the defaults.
type Options struct {
	Logger *slog.Logger
	// PartSize is the size of one multipart part / block / upload chunk.
	// Peak memory of one Put is about PartSize * Concurrency.
	PartSize int64
	// Concurrency is the number of parts in flight per Put.
	Concurrency int
	// Create is set by callers that will write: a backend whose location
	// can be made on the spot makes it when it is missing (file:// creates
	// its directory, like mkdir -p). Readers leave it unset, so that a
	// mistyped location is reported as missing rather than made.
	// Buckets and containers are never created.
	Create bool
}

// Defaults for Options.
const (
	DefaultPartSize    = 8 << 20
	DefaultConcurrency = 4
)

// WithDefaults returns o with zero fields replaced by defaults.
func (o Options) WithDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.PartSize <= 0 {
		o.PartSize = DefaultPartSize
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	return o
}

// Opener builds a Sink for one parsed URL of its scheme.
type Opener func(ctx context.Context, u *url.URL, opts Options) (Sink, error)

// Registry maps URL schemes to openers. It is built by the caller (see
// sinks/backends) rather than by package init, so there is no global state.
type Registry map[string]Opener

// Open parses rawURL and opens the sink for its scheme. Errors never contain
// secrets from the URL.
func (r Registry) Open(ctx context.Context, rawURL string, opts Options) (Sink, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrBadURL, redact.URL(rawURL), redact.Error(err, rawURL))
	}
	if u.Scheme == "" {
		return nil, fmt.Errorf("%w %q: missing scheme; use one of %s", ErrBadURL, redact.URL(rawURL), r.schemes())
	}
	open, ok := r[strings.ToLower(u.Scheme)]
	if !ok {
		return nil, fmt.Errorf("%w %q: unknown scheme %q; use one of %s", ErrBadURL, redact.URL(rawURL), u.Scheme, r.schemes())
	}
	return open(ctx, u, opts.WithDefaults())
}

func (r Registry) schemes() string {
	var s []string
	for k := range r {
		s = append(s, k+"://")
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// QueryParams checks that u carries only the query parameters in allowed and
// returns them, so that a typo such as ?regoin= is an error, not ignored.
func QueryParams(u *url.URL, allowed ...string) (url.Values, error) {
	q := u.Query()
	for k := range q {
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			if len(allowed) == 0 {
				return nil, fmt.Errorf("%w %q: unknown parameter %q (%s:// takes no parameters)", ErrBadURL, redact.URL(u.String()), k, u.Scheme)
			}
			return nil, fmt.Errorf("%w %q: unknown parameter %q; %s:// accepts %s", ErrBadURL, redact.URL(u.String()), k, u.Scheme, strings.Join(allowed, ", "))
		}
	}
	return q, nil
}
