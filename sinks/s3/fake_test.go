package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// fakeS3 answers every request with one error, as S3 would: an XML body,
// except for HEAD requests, which get the status alone.
func fakeS3(t *testing.T, status int, code, message string, header map[string]string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("X-Amz-Request-Id", "FAKEREQ1")
		if r.Method == http.MethodHead {
			w.WriteHeader(status)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>FAKEREQ1</RequestId></Error>`, code, message)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func fakeSink(t *testing.T, endpoint string) *sink {
	t.Helper()
	raw := "s3://bkt/p?path_style=true&region=us-east-1&endpoint=" + url.QueryEscape(endpoint)
	s, _ := openLogged(t, raw, "AKIDEXAMPLE", "fake-secret-Zq8v1xP4kR", testConfig{maxAttempts: 1})
	return s
}

func TestPermissionDenied(t *testing.T) {
	t.Parallel()
	s := fakeSink(t, fakeS3(t, 403, "AccessDenied", "Access Denied", nil))
	errs := eachOp(t, s)
	checkErrs(t, errs, sinks.ErrPermission, "", []string{"grant it", "request FAKEREQ1"}, "fake-secret-Zq8v1xP4kR")
	for op, want := range map[string]string{
		"put":           "s3:PutObject on arn:aws:s3:::bkt/p/k/small",
		"put multipart": "s3:PutObject on arn:aws:s3:::bkt/p/k/large and arn:aws:s3:::bkt/p/.pilotlight-tmp/*",
		"stat":          "s3:GetObject on arn:aws:s3:::bkt/p/k/small",
		"open":          "s3:GetObject on arn:aws:s3:::bkt/p/k/small",
		"list":          "s3:ListBucket on arn:aws:s3:::bkt:",
		"delete":        "s3:DeleteObject on arn:aws:s3:::bkt/p/k/small",
	} {
		if err := errs[op]; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v does not name %q", op, err, want)
		}
	}
}

func TestTransientErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		code   string
	}{{503, "SlowDown"}, {500, "InternalError"}, {400, "RequestTimeout"}, {503, "ServiceUnavailable"}} {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			for op, err := range eachOp(t, fakeSink(t, fakeS3(t, tc.status, tc.code, "please slow down", nil))) {
				if !sinks.IsTransient(err) {
					t.Errorf("%s: %v is not marked transient", op, err)
				}
			}
		})
	}
}

func TestOtherErrorCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status  int
		code    string
		message string
		header  map[string]string
		want    error
		mention string
	}{
		{400, "ExpiredToken", "The provided token has expired.", nil, sinks.ErrAuth, "session token"},
		{403, "InvalidAccessKeyId", "unknown key", nil, sinks.ErrAuth, "AWS_ACCESS_KEY_ID"},
		{400, "AuthorizationHeaderMalformed", "the region 'us-east-1' is wrong; expecting 'eu-west-1'",
			map[string]string{"X-Amz-Bucket-Region": "eu-west-1"}, sinks.ErrBadURL, "?region=eu-west-1"},
		{301, "PermanentRedirect", "use the right endpoint", map[string]string{"X-Amz-Bucket-Region": "ap-south-1"},
			sinks.ErrBadURL, "?region=ap-south-1"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			errs := eachOp(t, fakeSink(t, fakeS3(t, tc.status, tc.code, tc.message, tc.header)))
			checkErrs(t, errs, tc.want, "", []string{tc.mention}, "fake-secret-Zq8v1xP4kR")
		})
	}
}

// TestBrokenConnections: a server that resets or drops connections gives
// transient errors.
func TestBrokenConnections(t *testing.T) {
	t.Parallel()
	for name, reset := range map[string]bool{"reset": true, "closed": false} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err != nil {
					return
				}
				if tcp, ok := conn.(*net.TCPConn); ok && reset {
					_ = tcp.SetLinger(0)
				}
				conn.Close()
			}))
			t.Cleanup(srv.Close)
			for op, err := range eachOp(t, fakeSink(t, srv.URL)) {
				if !sinks.IsTransient(err) || errors.Is(err, sinks.ErrUnreachable) {
					t.Errorf("%s: %v, want a transient error", op, err)
				}
				t.Logf("%s: %v", op, err)
			}
		})
	}
}

// TestCancelWhileUploadsStall cancels a Put while every part upload hangs:
// Put must return promptly and still abort the upload, although its context
// is done.
func TestCancelWhileUploadsStall(t *testing.T) {
	t.Parallel()
	aborted := make(chan string, 1)
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case r.Method == http.MethodPost && q.Has("uploads"):
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><UploadId>UP1</UploadId></InitiateMultipartUploadResult>`)
		case r.Method == http.MethodPut && q.Has("partNumber"):
			_, _ = io.Copy(io.Discard, r.Body) // then the server notices a closed connection
			select {                           // stall until the client gives up
			case <-r.Context().Done():
			case <-stop:
			}
		case r.Method == http.MethodDelete && q.Get("uploadId") != "":
			aborted <- q.Get("uploadId")
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusNotImplemented)
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	raw := "s3://bkt/p?path_style=true&region=us-east-1&endpoint=" + url.QueryEscape(srv.URL)
	s, _ := openLogged(t, raw, "AKIDEXAMPLE", "fake-secret-Zq8v1xP4kR", testConfig{maxAttempts: 1})
	s.concurrency = 2

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	errc := make(chan error, 1)
	go func() {
		_, err := s.Put(ctx, "k", sinktest.Data(1, 1<<40))
		errc <- err
	}()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Put = %v, want an error wrapping context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Put did not return after its context was cancelled")
	}
	select {
	case id := <-aborted:
		if id != "UP1" {
			t.Errorf("aborted upload %q, want UP1", id)
		}
	default:
		t.Error("the multipart upload was not aborted")
	}
}
