package testenv

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestMinIO(t *testing.T) {
	t.Parallel()
	s := MinIO(t)
	if s2 := MinIO(t); s2 != s {
		t.Fatalf("second MinIO call returned another server: %+v vs %+v", s2, s)
	}
	checkS3RoundTrip(t, s)
}

func TestMoto(t *testing.T) {
	t.Parallel()
	s := Moto(t)
	checkS3RoundTrip(t, s)

	// Route 53 is served on the same endpoint; moto routes by the signature's service name.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/2013-04-01/hostedzone", nil)
	if err != nil {
		t.Fatal(err)
	}
	emptySHA256 := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	creds := aws.Credentials{AccessKeyID: s.AccessKey, SecretAccessKey: s.SecretKey}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, emptySHA256, "route53", s.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("route53 ListHostedZones: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "ListHostedZonesResponse") {
		t.Fatalf("route53 ListHostedZones: %s: %.300s", resp.Status, body)
	}
}

// checkS3RoundTrip creates two buckets, puts an object into one and reads it back.
func checkS3RoundTrip(t *testing.T, s *S3Server) {
	t.Helper()
	if !strings.HasPrefix(s.Endpoint, "http://127.0.0.1:") || s.Region != "us-east-1" || s.AccessKey == "" {
		t.Fatalf("unexpected server description %+v", s)
	}
	bucket, other := s.NewBucket(t), s.NewBucket(t)
	if bucket == other {
		t.Fatalf("NewBucket returned %q twice", bucket)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := s.client()
	payload := []byte("binlog segment \x00\x01\x02")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("a/b.bin"),
		Body: bytes.NewReader(payload)}); err != nil {
		t.Fatalf("put: %v", err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("a/b.bin")})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("get: %q, %v; want %q", got, err, payload)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(other)})
	if err != nil || len(list.Contents) != 0 {
		t.Fatalf("other bucket: %v, %d objects; want empty", err, len(list.Contents))
	}
}
