package gcs

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	gax "github.com/googleapis/gax-go/v2"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// The fake-gcs-server neither authenticates nor fails on purpose, so HTTP
// statuses are mapped against a stub that answers like GCS's JSON API.

func gcsErrorBody(code int, reason, msg string) string {
	return fmt.Sprintf(`{"error":{"code":%d,"message":%q,"errors":[{"domain":"global","reason":%q,"message":%q}]}}`, code, msg, reason, msg)
}

// helloObject is what GCS answers to the upload of "hello" under p/k.
const helloObject = `{"bucket":"bucket","name":"p/k","generation":"7","metageneration":"1","size":"5",` +
	`"crc32c":"mnG7TA==","timeCreated":"2026-01-02T03:04:05Z","updated":"2026-01-02T03:04:05Z"}`

type stub struct {
	mu       sync.Mutex
	requests []string // "METHOD path?query"
}

func (st *stub) log(r *http.Request) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.requests = append(st.requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
}

func (st *stub) seen(method, contains string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, r := range st.requests {
		if strings.HasPrefix(r, method+" ") && strings.Contains(r, contains) {
			return true
		}
	}
	return false
}

// stubSink opens gs://bucket/p on a stub that answers every request with
// handler; the SDK retries fast so that 5xx tests stay quick.
func stubSink(t *testing.T, handler http.HandlerFunc) (*sink, *stub) {
	t.Helper()
	st := &stub{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.log(r)
		w.Header().Set("Content-Type", "application/json")
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	ss, err := openURL(t, "gs://bucket/p?endpoint="+url.QueryEscape(srv.URL), sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ss.Close() })
	s := ss.(*sink)
	s.client.SetRetry(storage.WithBackoff(gax.Backoff{Initial: time.Millisecond, Max: time.Millisecond}))
	s.bucket = s.client.Bucket(s.name)
	return s, st
}

func always(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

func TestHTTPStatusMapping(t *testing.T) {
	t.Parallel()
	perms := map[string]string{"Put": "storage.objects.create", "Stat": "storage.objects.get",
		"Open": "storage.objects.get", "List": "storage.objects.list", "Delete": "storage.objects.delete"}

	s, _ := stubSink(t, always(401, gcsErrorBody(401, "required", "Anonymous caller does not have storage.objects.get access")))
	for op, err := range eachOp(s, "k") {
		checkErr(t, "401 "+op, err, sinks.ErrAuth, "credentials", "GOOGLE_APPLICATION_CREDENTIALS")
	}

	s, _ = stubSink(t, always(403, gcsErrorBody(403, "forbidden", "Forbidden")))
	for op, err := range eachOp(s, "k") {
		checkErr(t, "403 "+op, err, sinks.ErrPermission, perms[op], `bucket "bucket"`)
	}

	// GCS names the permission it refused: a Put that overwrites needs delete.
	s, _ = stubSink(t, always(403, gcsErrorBody(403, "forbidden",
		"pl@proj.iam.gserviceaccount.com does not have storage.objects.delete access to the Google Cloud Storage object.")))
	_, err := s.Put(context.Background(), "k", strings.NewReader("hello"))
	checkErr(t, "403 overwrite", err, sinks.ErrPermission, "storage.objects.delete")

	for _, h := range []http.HandlerFunc{
		always(429, gcsErrorBody(429, "rateLimitExceeded", "slow down")),
		always(503, gcsErrorBody(503, "backendError", "Service Unavailable")),
		always(403, gcsErrorBody(403, "userRateLimitExceeded", "slow down")),
	} {
		s, _ = stubSink(t, h)
		for op, err := range eachOp(s, "k") {
			if !sinks.IsTransient(err) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s = %v, want a one-line transient error", op, err)
			}
		}
	}
}

// GCS's 404 messages tell a missing bucket from a missing object, so no
// probing request is needed.
func TestNotFoundMessages(t *testing.T) {
	t.Parallel()
	s, st := stubSink(t, always(404, gcsErrorBody(404, "notFound", "The specified bucket does not exist.")))
	_, err := s.Stat(context.Background(), "k")
	checkErr(t, "Stat", err, sinks.ErrNoBucket, "create it or fix the URL")
	s, st2 := stubSink(t, always(404, gcsErrorBody(404, "notFound", "No such object: bucket/p/k")))
	_, err = s.Stat(context.Background(), "k")
	checkErr(t, "Stat", err, sinks.ErrNotExist, `"k"`)
	if len(st.requests) != 1 || len(st2.requests) != 1 {
		t.Errorf("requests: %v, %v; want one each", st.requests, st2.requests)
	}
}

// putStub accepts the upload of "hello" (answering upload) and answers the
// metadata update with patchCode.
func putStub(upload string, patchCode int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/upload/"):
			fmt.Fprint(w, upload)
		case r.Method == http.MethodPatch && patchCode == 200:
			fmt.Fprint(w, helloObject)
		case r.Method == http.MethodPatch:
			w.WriteHeader(patchCode)
			fmt.Fprint(w, gcsErrorBody(patchCode, "x", http.StatusText(patchCode)))
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusNotImplemented)
		}
	}
}

func TestPutMetadataUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	s, st := stubSink(t, putStub(helloObject, 200))
	obj, err := s.Put(ctx, "k", strings.NewReader("hello"))
	if err != nil || obj.ModTime != time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) {
		t.Fatalf("Put = %+v, %v", obj, err)
	}
	if !st.seen("PATCH", "ifGenerationMatch=7") || st.seen("DELETE", "") {
		t.Errorf("requests %v: want a PATCH conditioned on generation 7 and no DELETE", st.requests)
	}

	// Refused update: the generation just written is deleted.
	s, st = stubSink(t, putStub(helloObject, 403))
	_, err = s.Put(ctx, "k", strings.NewReader("hello"))
	checkErr(t, "Put", err, sinks.ErrPermission, "storage.objects.update")
	if !st.seen("DELETE", "ifGenerationMatch=7") {
		t.Errorf("requests %v: want the upload deleted (generation 7)", st.requests)
	}

	// Superseded by a concurrent Put: success, as if it had come first.
	s, st = stubSink(t, putStub(helloObject, 412))
	if _, err = s.Put(ctx, "k", strings.NewReader("hello")); err != nil {
		t.Errorf("Put superseded by a concurrent write = %v, want success", err)
	}
	if st.seen("DELETE", "") {
		t.Errorf("requests %v: must not delete a newer generation", st.requests)
	}

	// Stored bytes differ from those sent: discarded, never marked complete.
	bad := strings.Replace(helloObject, "mnG7TA==", "AAAAAA==", 1)
	s, st = stubSink(t, putStub(bad, 200))
	_, err = s.Put(ctx, "k", strings.NewReader("hello"))
	if err == nil || !sinks.IsTransient(err) || !strings.Contains(err.Error(), "CRC32C") {
		t.Errorf("Put with a CRC32C mismatch = %v, want a transient error naming CRC32C", err)
	}
	if st.seen("PATCH", "") || !st.seen("DELETE", "ifGenerationMatch=7") {
		t.Errorf("requests %v: want no PATCH and the upload deleted", st.requests)
	}
}
