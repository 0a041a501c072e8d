package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// fileSource is a source that can be read twice and in parallel: a local
// file (*os.File, or a wrapper that also counts progress).
type fileSource interface {
	io.ReadSeeker
	io.ReaderAt
}

// putFile uploads a source that can be read twice. It hashes the source
// first, so the multipart upload carries its SHA-256 in its metadata from
// CreateMultipartUpload on, and CompleteMultipartUpload makes the object
// visible already checksummed: no staging object and no server-side copy,
// which on MinIO costs as much as a second upload. Parts are sent straight
// from the source through section readers, so no part buffers are held.
// handled is false when the source is too small for a multipart upload (the
// caller then takes the one-request path), and src is left where it was.
func (s *sink) putFile(ctx context.Context, key string, src fileSource) (obj sinks.Object, handled bool, err error) {
	start, err := src.Seek(0, io.SeekCurrent)
	if err != nil {
		return sinks.Object{}, false, nil
	}
	end, err := src.Seek(0, io.SeekEnd)
	if err != nil {
		return sinks.Object{}, false, nil
	}
	size := end - start
	if _, err := src.Seek(start, io.SeekStart); err != nil || size <= s.partSize {
		return sinks.Object{}, false, nil
	}
	partSize := max(s.partSize, (size+maxParts-1)/maxParts) // a huge file raises the part size to fit S3's 10,000 parts

	h := sha256.New()
	if _, err := sinks.CopyContext(ctx, h, io.NewSectionReader(src, start, size)); err != nil {
		return sinks.Object{}, true, s.sourceFailed(key, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))

	name := s.full(key)
	c := s.objectCall("put", key, "s3:PutObject")
	created, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: &s.loc.bucket, Key: &name, Metadata: map[string]string{sinks.MetadataSHA256: sum},
	})
	if err != nil {
		return sinks.Object{}, true, s.fail(c, err)
	}
	id := aws.ToString(created.UploadId)
	parts, err := s.sendSections(ctx, c, name, id, src, start, size, partSize)
	if err == nil {
		// The file must not have changed under us: its checksum was taken first.
		if now, serr := src.Seek(0, io.SeekEnd); serr != nil || now != end {
			err = fmt.Errorf("s3 put %q (%s): the source file changed size during the upload, nothing was stored", key, s.loc.display)
		}
	}
	if err == nil {
		_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: &s.loc.bucket, Key: &name, UploadId: &id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		})
		if err == nil {
			return sinks.Object{Key: key, Size: size, SHA256: sum, ModTime: s.modTime(ctx, name)}, true, nil
		}
		err = s.fail(c, err)
	}
	s.abort(ctx, c, name, id)
	return sinks.Object{}, true, err
}

// sendSections uploads [start, start+size) of src as parts of partSize,
// read straight from src, at most s.concurrency at a time.
func (s *sink) sendSections(ctx context.Context, c call, name, id string, src io.ReaderAt, start, size, partSize int64) ([]types.CompletedPart, error) {
	parts, err := rangeParts(ctx, size, partSize, s.concurrency, func(ctx context.Context, num int32, off, n int64) (*string, error) {
		out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: &s.loc.bucket, Key: &name, UploadId: &id, PartNumber: aws.Int32(num),
			Body: io.NewSectionReader(src, start+off, n), ContentLength: aws.Int64(n),
		})
		if err != nil {
			return nil, s.fail(c, err)
		}
		return out.ETag, nil
	})
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		err = s.fail(c, err)
	}
	return parts, err
}
