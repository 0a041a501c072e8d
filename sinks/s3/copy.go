package s3

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// publish copies the staged object (ETag etag) to key server-side, with its
// SHA-256 as metadata. The copy appears under key in one step, complete and
// with its checksum; if it fails, key keeps what it had. Objects up to
// s.copyThreshold (5 GiB, CopyObject's limit) take one CopyObject; larger
// ones a multipart copy (UploadPartCopy), which is just as atomic since the
// object appears only when the upload completes.
func (s *sink) publish(ctx context.Context, key, staged, etag string, size int64, sum string) (time.Time, error) {
	name := s.full(key)
	c := call{verb: "put", key: key, action: "s3:PutObject and s3:GetObject",
		arn: s.objectARN(name) + " and " + s.stagingARN()}
	meta := map[string]string{sinks.MetadataSHA256: sum}
	if size > s.copyThreshold {
		return s.copyMultipart(ctx, c, staged, etag, name, size, meta)
	}
	out, err := s.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: &s.loc.bucket, Key: &name,
		CopySource:        aws.String(s.copySource(staged)),
		CopySourceIfMatch: &etag, // exactly the object we uploaded
		MetadataDirective: types.MetadataDirectiveReplace,
		Metadata:          meta,
	})
	if err != nil {
		return time.Time{}, s.fail(c, err)
	}
	if out.CopyObjectResult != nil && out.CopyObjectResult.LastModified != nil {
		return storeTime(*out.CopyObjectResult.LastModified), nil
	}
	return s.modTime(ctx, name), nil
}

// copySource is the URL-encoded bucket/name that CopySource expects.
func (s *sink) copySource(name string) string {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return s.loc.bucket + "/" + strings.Join(segs, "/")
}

// copyMultipart copies a staged object of any size with UploadPartCopy,
// s.concurrency parts at a time, and aborts on failure.
func (s *sink) copyMultipart(ctx context.Context, c call, staged, etag, name string, size int64, meta map[string]string) (time.Time, error) {
	created, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.loc.bucket, Key: &name, Metadata: meta})
	if err != nil {
		return time.Time{}, s.fail(c, err)
	}
	id := aws.ToString(created.UploadId)
	partSize := min(max(s.copyPartSize, (size+maxParts-1)/maxParts, minPartSize), maxPartSize)
	parts, firstErr := rangeParts(ctx, size, partSize, s.concurrency, func(ctx context.Context, num int32, off, n int64) (*string, error) {
		out, err := s.client.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
			Bucket: &s.loc.bucket, Key: &name, UploadId: &id, PartNumber: aws.Int32(num),
			CopySource:        aws.String(s.copySource(staged)),
			CopySourceIfMatch: &etag,
			CopySourceRange:   aws.String(fmt.Sprintf("bytes=%d-%d", off, off+n-1)),
		})
		if err != nil {
			return nil, s.fail(c, err)
		}
		if out.CopyPartResult == nil {
			return nil, s.fail(c, fmt.Errorf("UploadPartCopy of part %d returned no result", num))
		}
		return out.CopyPartResult.ETag, nil
	})
	if firstErr != nil && ctx.Err() != nil && errors.Is(firstErr, ctx.Err()) {
		firstErr = s.fail(c, firstErr)
	}
	if firstErr == nil {
		_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: &s.loc.bucket, Key: &name, UploadId: &id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		})
		if err == nil {
			return s.modTime(ctx, name), nil
		}
		firstErr = s.fail(c, err)
	}
	s.abort(ctx, c, name, id)
	return time.Time{}, firstErr
}
