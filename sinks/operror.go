package sinks

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// OpError is the error of a failed operation of a cloud sink (s3, gs,
// azblob). Its message is one line naming the operation, the object, the
// sink, the problem and the fix:
//
//	s3 put "a/b" (s3://bkt/p?endpoint=http://127.0.0.1:9000): bucket "bkt" does not exist at endpoint http://127.0.0.1:9000: create it or fix the URL
//
// errors.Is reports the sentinel in Kind, and errors.As reaches the cause.
// The backends build the fields without secrets: Sink is the redacted URL,
// and Problem and Fix are scrubbed of every credential the backend knows.
type OpError struct {
	Op      string // the backend and the operation: "s3 put", "gs stat", "azblob list"
	Key     string // the object key or list prefix; "" for none
	Sink    string // the sink's URL, secrets masked
	Kind    error  // ErrNotExist, ErrNoBucket, ErrAuth, ErrPermission, ErrBadURL, ErrUnreachable; nil when none fits
	Problem string // what went wrong
	Fix     string // what to do about it; "" when there is nothing to do (a missing object)
	Err     error  // the cause, for errors.As; its text is not part of the message
}

func (e *OpError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Key != "" {
		b.WriteString(" " + strconv.Quote(e.Key))
	}
	b.WriteString(" (" + e.Sink + "): " + e.Problem)
	if e.Fix != "" {
		b.WriteString(": " + e.Fix)
	}
	return oneLine(b.String())
}

// Unwrap returns the sentinel and the cause, those that are set.
func (e *OpError) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.Kind, e.Err} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// maxDetail bounds the text of a cause quoted in a message.
const maxDetail = 300

// Describe is err's text on one line, at most a few hundred characters, for
// the Problem of an OpError. A *url.Error gives way to the error it carries:
// its "Get https://host/long/request?query:" prefix names the request (whose
// query may hold a signature), not the problem.
func Describe(err error) string {
	if err == nil {
		return ""
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil && err.Error() == ue.Error() {
		err = ue.Err
	}
	return clip(oneLine(err.Error()))
}

// OneLine is s on one line, clipped like Describe.
func OneLine(s string) string { return clip(oneLine(s)) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func clip(s string) string {
	if len(s) > maxDetail {
		return s[:maxDetail] + "..."
	}
	return s
}
