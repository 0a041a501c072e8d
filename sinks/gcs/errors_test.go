package gcs

import (
	"context"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// checkErr fails unless err wraps want, is one line and contains every part.
func checkErr(t *testing.T, what string, err, want error, parts ...string) {
	t.Helper()
	sinktest.CheckError(t, what, err, want, parts, nil)
}

// eachOp runs every sink operation on key and returns their errors by name.
func eachOp(s sinks.Sink, key string) map[string]error {
	ctx := context.Background()
	errs := map[string]error{}
	_, errs["Put"] = s.Put(ctx, key, strings.NewReader("hello"))
	_, errs["Stat"] = s.Stat(ctx, key)
	rc, err := s.Open(ctx, key)
	if err == nil {
		rc.Close()
	}
	errs["Open"] = err
	errs["List"] = s.List(ctx, "", func(sinks.Object) error { return nil })
	errs["Delete"] = s.Delete(ctx, key)
	return errs
}

func TestMissingBucket(t *testing.T) {
	t.Parallel()
	srv := testenv.FakeGCS(t)
	s, err := openURL(t, "gs://pl-never-created/p?endpoint="+url.QueryEscape(srv.Endpoint), sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for op, err := range eachOp(s, "k") {
		checkErr(t, op, err, sinks.ErrNoBucket, `bucket "pl-never-created" does not exist: create it or fix the URL`)
	}
}

func TestMissingObject(t *testing.T) {
	t.Parallel()
	s := newTestSink(t, sinks.Options{})
	ctx := context.Background()
	_, err := s.Stat(ctx, "no/such")
	checkErr(t, "Stat", err, sinks.ErrNotExist, `"no/such"`, "does not exist")
	_, err = s.Open(ctx, "no/such")
	checkErr(t, "Open", err, sinks.ErrNotExist, `"no/such"`)
	if err := s.Delete(ctx, "no/such"); err != nil {
		t.Errorf("Delete of a missing object = %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	for _, ep := range []string{closed, "http://pilotlight-no-such-host.invalid:4443"} {
		s, err := openURL(t, "gs://bucket/p?endpoint="+url.QueryEscape(ep), sinks.Options{})
		if err != nil {
			t.Fatalf("Open(%s) = %v; the endpoint is only dialled on use", ep, err)
		}
		for op, err := range eachOp(s, "k") {
			checkErr(t, ep+": "+op, err, sinks.ErrUnreachable, ep)
			if sinks.IsTransient(err) {
				t.Errorf("%s: %s: unreachable endpoint marked transient", ep, op)
			}
		}
		s.Close()
	}
}

func TestBadURL(t *testing.T) {
	t.Parallel()
	for raw, part := range map[string]string{
		"gs://bucket/p?endpiont=http://x":      `unknown parameter "endpiont"`,
		"gs:///prefix":                         "missing bucket",
		"gs:bucket":                            "missing bucket",
		"gs://user:s3cr3tpass@bucket/p":        "carry no credentials",
		"gs://Upper_Case/p":                    "not a valid bucket name",
		"gs://ab/p":                            "not a valid bucket name",
		"gs://" + strings.Repeat("a", 64):      "not a valid bucket name",
		"gs://bucket:443/p":                    "no port",
		"gs://bucket/a/../b":                   "prefix",
		"gs://bucket/p?endpoint=ftp://x":       "must be http://HOST",
		"gs://bucket/p?endpoint=http://":       "must be http://HOST",
		"gs://bucket/p?endpoint=http://h/?a=b": "bare",
	} {
		_, err := openURL(t, raw, sinks.Options{})
		checkErr(t, raw, err, sinks.ErrBadURL, part)
		if err != nil && strings.Contains(err.Error(), "s3cr3tpass") {
			t.Errorf("%s: error leaks the password: %v", raw, err)
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://127.0.0.1:4443":                 "http://127.0.0.1:4443/storage/v1/",
		"http://127.0.0.1:4443/":                "http://127.0.0.1:4443/storage/v1/",
		"https://storage-x.p.googleapis.com":    "https://storage-x.p.googleapis.com/storage/v1/",
		"https://gw.example/storage/v1":         "https://gw.example/storage/v1/",
		"https://gw.example/custom/storage/v1/": "https://gw.example/custom/storage/v1/",
	} {
		got, emulator, err := parseEndpoint(in)
		if err != nil || got != want || emulator != strings.HasPrefix(in, "http:") {
			t.Errorf("parseEndpoint(%q) = %q, %v, %v; want %q", in, got, emulator, err, want)
		}
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	srv := testenv.FakeGCS(t)
	raw := "gs://bucket/some/prefix?endpoint=" + url.QueryEscape(srv.Endpoint)
	s, err := openURL(t, raw, sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.String() != raw {
		t.Errorf("String() = %q, want %q", s.String(), raw)
	}
	for raw, want := range map[string]string{"gs://bucket": "", "gs://bucket/": "", "gs://bucket//a/b/": "a/b"} {
		u, _ := url.Parse(raw)
		if _, prefix, err := parseLocation(u, raw); err != nil || prefix != want {
			t.Errorf("parseLocation(%s) = %q, %v; want prefix %q", raw, prefix, err, want)
		}
	}
}
