package s3

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
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
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		parts    []types.CompletedPart
		firstErr error
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, s.concurrency)
	for num, off := int32(1), int64(0); off < size && cctx.Err() == nil; num, off = num+1, off+partSize {
		sem <- struct{}{}
		wg.Add(1)
		go func(num int32, from, to int64) {
			defer wg.Done()
			defer func() { <-sem }()
			out, err := s.client.UploadPartCopy(cctx, &s3.UploadPartCopyInput{
				Bucket: &s.loc.bucket, Key: &name, UploadId: &id, PartNumber: aws.Int32(num),
				CopySource:        aws.String(s.copySource(staged)),
				CopySourceIfMatch: &etag,
				CopySourceRange:   aws.String(fmt.Sprintf("bytes=%d-%d", from, to)),
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && firstErr == nil:
				firstErr = s.fail(c, err)
				cancel()
			case err == nil && out.CopyPartResult != nil:
				parts = append(parts, types.CompletedPart{ETag: out.CopyPartResult.ETag, PartNumber: aws.Int32(num)})
			}
		}(num, off, min(off+partSize, size)-1)
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = s.fail(c, ctx.Err())
	}
	if firstErr == nil {
		sort.Slice(parts, func(i, j int) bool { return *parts[i].PartNumber < *parts[j].PartNumber })
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
