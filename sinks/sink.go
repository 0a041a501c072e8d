// Package sinks is pilotlight's streaming object storage layer: one small
// interface, one implementation per URL scheme (file, s3, gs, azblob), and
// wrappers (retry, fan-out) that work with any of them.
//
// Every implementation passes the shared suite in sinks/sinktest.
package sinks

import (
	"context"
	"io"
	"time"
)

// Object describes one stored object.
type Object struct {
	Key     string    `json:"key"`              // slash-separated, relative to the sink's prefix
	Size    int64     `json:"size"`             // bytes
	ModTime time.Time `json:"mod_time"`         // last modification as reported by the store
	SHA256  string    `json:"sha256,omitempty"` // hex SHA-256 of the content; empty when not written by pilotlight (or, from List, not listed by the store)
}

// Sink is streaming object storage. Keys are slash-separated, relative to the
// URL's prefix, never start with "/" and never contain "." or ".." segments.
type Sink interface {
	// Put streams r to key and returns the stored object, including the
	// SHA-256 computed while streaming (which is stored with the object).
	// Memory use is bounded whatever the size of r. The object becomes
	// visible only when it is complete: when Put fails or ctx is cancelled,
	// nothing new is visible under key and no partial upload is left behind
	// (an object already stored under key is either kept or replaced whole).
	Put(ctx context.Context, key string, r io.Reader) (Object, error)

	// Open returns a reader of the whole object. When the object carries a
	// SHA-256, the reader checks it: instead of io.EOF, the last Read returns
	// an error wrapping ErrCorrupt that names the key if the content or its
	// length differs. A missing key gives an error wrapping ErrNotExist.
	Open(ctx context.Context, key string) (io.ReadCloser, error)

	// Stat describes key, or returns an error wrapping ErrNotExist.
	Stat(ctx context.Context, key string) (Object, error)

	// List calls fn for every complete object whose key starts with prefix
	// (which may be "" for all), in lexical key order, following pagination.
	// It stops at the first error from fn and returns it. Listed objects
	// carry SHA256 only where the store returns metadata in listings (GCS,
	// Azure, file); S3 listings do not, and List never costs a request per
	// object to fetch it: use Stat.
	List(ctx context.Context, prefix string, fn func(Object) error) error

	// Delete removes key. Deleting a key that does not exist is not an error.
	Delete(ctx context.Context, key string) error

	// String returns the sink's URL with every secret removed.
	String() string

	// Close releases clients and connections.
	Close() error
}
