// Package backends wires every sink implementation into one registry, so
// that callers can open any sink URL.
package backends

import (
	"context"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/azblob"
	"github.com/pilotlight-dr/pilotlight/sinks/file"
	"github.com/pilotlight-dr/pilotlight/sinks/gcs"
	"github.com/pilotlight-dr/pilotlight/sinks/s3"
)

// Registry returns the schemes pilotlight supports.
func Registry() sinks.Registry {
	return sinks.Registry{
		"file":   file.Open,
		"s3":     s3.Open,
		"gs":     gcs.Open,
		"azblob": azblob.Open,
	}
}

// Open opens rawURL with every backend available, wrapped with retries.
func Open(ctx context.Context, rawURL string, opts sinks.Options, retry sinks.RetryPolicy) (sinks.Sink, error) {
	s, err := Registry().Open(ctx, rawURL, opts)
	if err != nil {
		return nil, err
	}
	return sinks.WithRetry(s, retry), nil
}
