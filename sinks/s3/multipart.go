package s3

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// sourceError marks a failure of the caller's reader (not of S3).
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// upload streams first (a full part) and then src to a multipart upload of
// name, with at most s.concurrency part buffers alive. It returns the ETag of
// the completed object. On any failure it aborts the upload, so that no
// parts are left behind, and returns the first error.
//
// This is not feature/s3/manager: its Uploader aborts with the caller's
// context (so a cancelled Put leaves the upload and its parts behind), keeps
// Concurrency+1 buffers of its own besides ours, and defaults to CRC32.
func (s *sink) upload(ctx context.Context, key, name string, src io.Reader, first *[]byte) (string, error) {
	c := call{verb: "put", key: key, action: "s3:PutObject", arn: s.objectARN(s.full(key)) + " and " + s.stagingARN()}
	created, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.loc.bucket, Key: &name})
	if err != nil {
		s.putBuf(first)
		return "", s.fail(c, err)
	}
	id := aws.ToString(created.UploadId)
	parts, err := s.sendParts(ctx, c, name, id, src, first)
	if err == nil {
		var out *s3.CompleteMultipartUploadOutput
		out, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: &s.loc.bucket, Key: &name, UploadId: &id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		})
		if err == nil {
			return aws.ToString(out.ETag), nil
		}
		err = s.fail(c, err)
		// The upload may have completed even though the answer was lost.
		defer s.removeStaged(ctx, key, name)
	}
	s.abort(ctx, c, name, id)
	return "", err
}

// sendParts reads src part by part and uploads the parts concurrently. The
// buffers circulate through free: reading a part waits for a buffer, and an
// uploaded part gives its buffer back.
func (s *sink) sendParts(pctx context.Context, c call, name, id string, src io.Reader, first *[]byte) ([]types.CompletedPart, error) {
	ctx, cancel := context.WithCancel(pctx)
	defer cancel()
	var (
		mu       sync.Mutex
		done     []types.CompletedPart
		firstErr error
		wg       sync.WaitGroup
	)
	setErr := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	free := make(chan *[]byte, s.concurrency)
	for range s.concurrency - 1 {
		free <- nil // allocated on first use
	}
	buf, n, num, eof := first, len(*first), int32(1), false
	for {
		wg.Add(1)
		go func(num int32, buf *[]byte, n int) {
			defer wg.Done()
			defer func() { free <- buf }()
			out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
				Bucket: &s.loc.bucket, Key: &name, UploadId: &id, PartNumber: aws.Int32(num),
				Body: bytes.NewReader((*buf)[:n]), ContentLength: aws.Int64(int64(n)),
			})
			if err != nil {
				setErr(s.fail(c, err))
				return
			}
			mu.Lock()
			done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
			mu.Unlock()
		}(num, buf, n)
		if eof {
			break
		}
		var next *[]byte
		select {
		case next = <-free:
		case <-ctx.Done():
			// No buffer taken: giving one back would overfill free and
			// block an uploader returning its own.
		}
		if ctx.Err() != nil {
			if next != nil {
				s.putBuf(next)
			}
			break
		}
		if next == nil {
			next = s.getBuf()
		}
		var err error
		n, eof, err = readPart(src, *next)
		if err != nil {
			setErr(&sourceError{err})
		} else if n > 0 && num == maxParts {
			setErr(fmt.Errorf("s3 put %q (%s): the data exceeds %d parts of %d MiB, S3's limit for one object: raise the part size",
				c.key, s.loc.display, maxParts, s.partSize>>20))
		}
		if n == 0 || ctx.Err() != nil {
			free <- next
			break
		}
		buf, num = next, num+1
	}
	wg.Wait()
	for range len(free) {
		if b := <-free; b != nil {
			s.putBuf(b)
		}
	}
	if firstErr == nil && pctx.Err() != nil {
		firstErr = s.fail(c, pctx.Err())
	}
	if firstErr != nil {
		return nil, firstErr
	}
	sort.Slice(done, func(i, j int) bool { return *done[i].PartNumber < *done[j].PartNumber })
	return done, nil
}

// abort aborts a multipart upload, even when ctx is done, so that its parts
// do not linger (invisible, but billed).
func (s *sink) abort(ctx context.Context, c call, name, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &s.loc.bucket, Key: &name, UploadId: &id})
	if err != nil {
		c.action, c.arn = "s3:AbortMultipartUpload", s.stagingARN()
		s.log.Error("s3: could not abort a failed multipart upload: its parts stay (billed) until it is aborted; "+
			"add an AbortIncompleteMultipartUpload lifecycle rule", "object", name, "upload_id", id, "err", s.fail(c, err))
	}
}
