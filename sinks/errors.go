package sinks

import (
	"errors"
	"fmt"
)

// Sentinel errors shared by every implementation. Backends wrap them with
// context (which object, which bucket, what to fix) so callers can test with
// errors.Is and operators can read the message.
var (
	// ErrNotExist: the object does not exist.
	ErrNotExist = errors.New("object does not exist")
	// ErrCorrupt: the content read back does not match its stored SHA-256 or size.
	ErrCorrupt = errors.New("object is corrupt")
	// ErrNoBucket: the bucket or container (or the file sink's directory) does not exist.
	ErrNoBucket = errors.New("bucket does not exist")
	// ErrAuth: the credentials were rejected (unknown key, bad signature, expired token).
	ErrAuth = errors.New("credentials rejected")
	// ErrPermission: the credentials are valid but lack a permission.
	ErrPermission = errors.New("permission denied")
	// ErrBadURL: the sink URL cannot be used.
	ErrBadURL = errors.New("bad sink URL")
	// ErrUnreachable: the endpoint could not be reached (DNS, refused connection, TLS).
	ErrUnreachable = errors.New("endpoint unreachable")
)

// transientError marks an error as worth retrying.
type transientError struct{ err error }

func (e transientError) Error() string { return e.err.Error() }
func (e transientError) Unwrap() error { return e.err }

// Transient marks err as transient (throttling, 5xx, a reset connection) so
// that the retry wrapper tries again. Backends decide; nil stays nil.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return transientError{err}
}

// IsTransient reports whether err, or an error it wraps, was marked Transient.
func IsTransient(err error) bool {
	var t transientError
	return errors.As(err, &t)
}

// CorruptError names the object whose content failed verification.
type CorruptError struct {
	Key        string
	WantSHA256 string
	GotSHA256  string
	WantSize   int64 // -1 when unknown
	GotSize    int64
}

func (e *CorruptError) Error() string {
	if e.WantSize >= 0 && e.WantSize != e.GotSize {
		return fmt.Sprintf("object %q is corrupt: read %d bytes, stored size is %d", e.Key, e.GotSize, e.WantSize)
	}
	return fmt.Sprintf("object %q is corrupt: content SHA-256 %s, stored SHA-256 %s", e.Key, e.GotSHA256, e.WantSHA256)
}

func (e *CorruptError) Unwrap() error { return ErrCorrupt }

// kindError is a message of its own that still tests as one of the sentinels.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// Errorf formats a complete message (naming the problem and the fix) that
// errors.Is reports as kind, without kind's own text in the way:
// Errorf(ErrNoBucket, "directory %s does not exist: create it", d).
func Errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}
