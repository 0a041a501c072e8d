package s3

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// sinkURL names bucket/prefix on srv.
func sinkURL(srv *testenv.S3Server, bucket, prefix string) string {
	return "s3://" + bucket + "/" + prefix + "?endpoint=" + url.QueryEscape(srv.Endpoint) + "&path_style=true&region=" + srv.Region
}

// openTest opens rawURL with static credentials (never the environment).
func openTest(t testing.TB, rawURL, access, secret string, opts sinks.Options, tc testConfig) (*sink, error) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("parse %q: %v", rawURL, err)
	}
	if tc.creds == nil {
		tc.creds = credentials.NewStaticCredentialsProvider(access, secret, "")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return open(context.Background(), u, opts, tc)
}

// newTestSink opens a sink on a fresh bucket of srv, under a prefix.
func newTestSink(t testing.TB, srv *testenv.S3Server, opts sinks.Options, tc testConfig) *sink {
	t.Helper()
	s, err := openTest(t, sinkURL(srv, srv.NewBucket(t), "backups/prod"), srv.AccessKey, srv.SecretKey, opts, tc)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// corrupt rewrites key behind the sink's back, keeping its metadata (and so
// its stored SHA-256): one byte flipped, or the last byte dropped.
func corrupt(t *testing.T, snk sinks.Sink, key string, truncate bool) {
	t.Helper()
	s := snk.(*sink)
	ctx := context.Background()
	name := s.full(key)
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.loc.bucket, Key: &name})
	if err != nil {
		t.Fatalf("corrupt: get %s: %v", name, err)
	}
	data, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || len(data) == 0 {
		t.Fatalf("corrupt: read %s: %d bytes, %v", name, len(data), err)
	}
	if truncate {
		data = data[:len(data)-1]
	} else {
		data[len(data)/2] ^= 0x40
	}
	if _, err := s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.loc.bucket, Key: &name,
		Body: bytes.NewReader(data), Metadata: out.Metadata}); err != nil {
		t.Fatalf("corrupt: put %s: %v", name, err)
	}
}

// leftovers lists pending multipart uploads in the sink's bucket and staged
// objects under its prefix.
func leftovers(t *testing.T, snk sinks.Sink) []string {
	t.Helper()
	s := snk.(*sink)
	ctx := context.Background()
	var left []string
	mp, err := s.client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &s.loc.bucket})
	if err != nil {
		t.Fatalf("list multipart uploads: %v", err)
	}
	for _, u := range mp.Uploads {
		left = append(left, "upload "+aws.ToString(u.Key)+" "+aws.ToString(u.UploadId))
	}
	objs, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &s.loc.bucket, Prefix: aws.String(s.full(tmpDir) + "/")})
	if err != nil {
		t.Fatalf("list staged objects: %v", err)
	}
	for _, o := range objs.Contents {
		left = append(left, "staged "+aws.ToString(o.Key))
	}
	return left
}
