package s3

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// Open returns a reader of key that verifies the stored SHA-256 at EOF.
func (s *sink) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := s.begin(key); err != nil {
		return nil, err
	}
	c := s.objectCall("open", key, "s3:GetObject")
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.loc.bucket, Key: aws.String(s.full(key))})
	if err != nil {
		return nil, s.fail(c, err)
	}
	size := int64(-1)
	if out.ContentLength != nil {
		size = *out.ContentLength
	}
	return sinks.VerifyingReader(key, metaSHA256(out.Metadata), size, &body{rc: out.Body, s: s, c: c}), nil
}

// body maps errors of a GetObject body (a connection dying mid-read) like
// any other S3 error, so that they name the object and are marked transient.
type body struct {
	rc io.ReadCloser
	s  *sink
	c  call
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		err = b.s.fail(b.c, err)
	}
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }

// Stat describes key.
func (s *sink) Stat(ctx context.Context, key string) (sinks.Object, error) {
	if err := s.begin(key); err != nil {
		return sinks.Object{}, err
	}
	c := s.objectCall("stat", key, "s3:GetObject")
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.loc.bucket, Key: aws.String(s.full(key))})
	if err != nil {
		return sinks.Object{}, s.headFail(ctx, c, err)
	}
	return sinks.Object{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: storeTime(aws.ToTime(out.LastModified)),
		SHA256: metaSHA256(out.Metadata)}, nil
}

// headFail explains a failed HeadObject. HEAD responses have no body, so S3
// cannot say which 404, 403 or 400 it means: a second request tells a
// missing bucket from a missing object, and rejected or expired credentials
// from a denied permission.
func (s *sink) headFail(ctx context.Context, c call, err error) error {
	mapped := s.fail(c, err)
	var re *awshttp.ResponseError
	switch {
	case errors.Is(mapped, sinks.ErrNotExist):
		_, berr := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.loc.bucket})
		if berr != nil {
			if b := s.fail(c, berr); errors.Is(b, sinks.ErrNotExist) || errors.Is(b, sinks.ErrNoBucket) {
				return s.fail(c, &noBucketError{err: berr})
			}
		}
	case errors.As(err, &re) && (re.HTTPStatusCode() == 400 || re.HTTPStatusCode() == 403):
		out, gerr := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.loc.bucket, Key: aws.String(s.full(c.key)), Range: aws.String("bytes=0-0")})
		if gerr == nil {
			out.Body.Close()
			return mapped
		}
		return s.fail(c, gerr)
	}
	return mapped
}

// noBucketError stands for the NoSuchBucket a HEAD request cannot spell out.
type noBucketError struct{ err error }

func (e *noBucketError) Error() string                 { return e.err.Error() }
func (e *noBucketError) Unwrap() error                 { return e.err }
func (e *noBucketError) ErrorCode() string             { return "NoSuchBucket" }
func (e *noBucketError) ErrorMessage() string          { return "The specified bucket does not exist" }
func (e *noBucketError) ErrorFault() smithy.ErrorFault { return smithy.FaultUnknown }

// metaSHA256 finds the SHA-256 in user metadata (whatever the key's case).
func metaSHA256(meta map[string]string) string {
	for k, v := range meta {
		if strings.EqualFold(k, sinks.MetadataSHA256) {
			return strings.ToLower(strings.TrimSpace(v))
		}
	}
	return ""
}

// List calls fn for every object under prefix, in lexical key order.
// Objects whose names are not valid sink keys (directory markers ending in
// "/", names with empty segments) and staged uploads are skipped.
func (s *sink) List(ctx context.Context, prefix string, fn func(sinks.Object) error) error {
	if s.closed.Load() {
		return errClosed
	}
	full := prefix
	if s.loc.prefix != "" {
		full = s.loc.prefix + "/" + prefix
	}
	c := call{verb: "list", key: prefix, action: "s3:ListBucket", arn: s.bucketARN()}
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.loc.bucket, Prefix: aws.String(full)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return s.fail(c, err)
		}
		for _, o := range page.Contents {
			key := s.relative(aws.ToString(o.Key))
			if isReserved(key) || sinks.ValidateKey(key) != nil {
				continue
			}
			obj := sinks.Object{Key: key, Size: aws.ToInt64(o.Size), ModTime: storeTime(aws.ToTime(o.LastModified))}
			if err := fn(obj); err != nil {
				return err
			}
		}
	}
	return nil
}

// Delete removes key; a missing key is not an error.
func (s *sink) Delete(ctx context.Context, key string) error {
	if err := s.begin(key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.loc.bucket, Key: aws.String(s.full(key))})
	if err = s.fail(s.objectCall("delete", key, "s3:DeleteObject"), err); errors.Is(err, sinks.ErrNotExist) && !errors.Is(err, sinks.ErrNoBucket) {
		return nil
	}
	return err
}
