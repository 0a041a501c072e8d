package testenv

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3Server is an S3-compatible endpoint (path-style addressing).
type S3Server struct {
	Endpoint  string `json:"endpoint"` // http://127.0.0.1:PORT
	Region    string `json:"region"`   // us-east-1
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
}

// MinIO returns the test binary's MinIO server, starting it on first use.
func MinIO(t testing.TB) *S3Server {
	t.Helper()
	return server(t, KindMinIO).S3
}

// Moto returns the test binary's moto server, starting it on first use. moto_server serves
// S3 and Route 53 (and the other AWS APIs it mocks) on the same endpoint.
func Moto(t testing.TB) *S3Server {
	t.Helper()
	return server(t, KindMoto).S3
}

// NewBucket creates a fresh, uniquely named bucket and returns its name.
func (s *S3Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := uniqueName(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("testenv: create bucket %s at %s: %v", name, s.Endpoint, err)
	}
	return name
}

// client is an S3 client set up the way every test of an S3-compatible server needs it.
func (s *S3Server) client() *s3.Client {
	return s3.New(s3.Options{
		Region:                     s.Region,
		BaseEndpoint:               aws.String(s.Endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

func startMinIO(ctx context.Context, dir string, detached bool) (*record, error) {
	bin, err := findBinary("minio")
	if err != nil {
		return nil, err
	}
	port, err := freePort(false)
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	rec := &record{S3: &S3Server{Endpoint: "http://" + addr, Region: "us-east-1",
		AccessKey: "minioadmin", SecretKey: "minioadmin"}}
	env := []string{"MINIO_ROOT_USER=minioadmin", "MINIO_ROOT_PASSWORD=minioadmin",
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=1"}
	p, err := launch(dir, detached, env, bin, "server", filepath.Join(dir, "data"), "--address", addr)
	if err != nil {
		return nil, err
	}
	return ready(ctx, KindMinIO, rec, p)
}

func startMoto(ctx context.Context, dir string, detached bool) (*record, error) {
	bin, err := findBinary("moto_server")
	if err != nil {
		return nil, err
	}
	port, err := freePort(false)
	if err != nil {
		return nil, err
	}
	rec := &record{S3: &S3Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), Region: "us-east-1",
		AccessKey: "testing", SecretKey: "testing"}}
	p, err := launch(dir, detached, nil, bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	if err != nil {
		return nil, err
	}
	return ready(ctx, KindMoto, rec, p)
}

// httpCheck succeeds when GET url answers 200.
func httpCheck(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
