package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// cleanupTimeout bounds the requests that clean up after a failed or
// cancelled Put; they run even when the caller's context is done.
const cleanupTimeout = time.Minute

// Put streams r to key. See the package documentation for how the SHA-256
// ends up stored with the object.
func (s *sink) Put(ctx context.Context, key string, r io.Reader) (sinks.Object, error) {
	if err := s.begin(key); err != nil {
		return sinks.Object{}, err
	}
	if f, ok := r.(fileSource); ok {
		if obj, handled, err := s.putFile(ctx, key, f); handled {
			return obj, err
		}
	}
	hr := sinks.NewHashingReader(r)
	first := s.getBuf()
	n, eof, err := readPart(hr, *first)
	if err == nil && !eof {
		// A full part: peek one byte to learn whether more follows.
		var peek [1]byte
		var m int
		m, eof, err = readPart(hr, peek[:])
		if m == 1 {
			return s.putStaged(ctx, key, hr, io.MultiReader(bytes.NewReader(peek[:m]), hr), first)
		}
	}
	defer s.putBuf(first)
	if err != nil {
		return sinks.Object{}, s.sourceFailed(key, err)
	}
	return s.putSingle(ctx, key, hr, (*first)[:n])
}

// readPart fills buf from r; eof reports that r ended (possibly after n > 0 bytes).
func readPart(r io.Reader, buf []byte) (n int, eof bool, err error) {
	n, err = io.ReadFull(r, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return n, true, nil
	}
	return n, false, err
}

func (s *sink) sourceFailed(key string, err error) error {
	return fmt.Errorf("s3 put %q (%s): reading the data to upload failed, nothing was stored: %w", key, s.loc.display, err)
}

// putSingle stores an object that fits in one part with one PutObject
// carrying its SHA-256, both as metadata and as a checksum S3 verifies.
func (s *sink) putSingle(ctx context.Context, key string, hr *sinks.HashingReader, data []byte) (sinks.Object, error) {
	sum := hr.Sum()
	raw, _ := hex.DecodeString(sum)
	name := s.full(key)
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:         &s.loc.bucket,
		Key:            &name,
		Body:           bytes.NewReader(data),
		ContentLength:  aws.Int64(int64(len(data))),
		Metadata:       map[string]string{sinks.MetadataSHA256: sum},
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(raw)),
	})
	if err != nil {
		return sinks.Object{}, s.fail(s.objectCall("put", key, "s3:PutObject"), err)
	}
	return sinks.Object{Key: key, Size: hr.Size(), SHA256: sum, ModTime: s.modTime(ctx, name)}, nil
}

// putStaged uploads a stream of more than one part: a multipart upload to a
// staging name, then a server-side copy to the final name that sets the
// SHA-256, then removal of the staged object.
func (s *sink) putStaged(ctx context.Context, key string, hr *sinks.HashingReader, src io.Reader, first *[]byte) (sinks.Object, error) {
	staged, err := s.stagingName()
	if err != nil {
		s.putBuf(first)
		return sinks.Object{}, err
	}
	s.log.Debug("s3: staging multipart upload", "key", key, "staged", staged)
	etag, err := s.upload(ctx, key, staged, src, first)
	if err != nil {
		var se *sourceError
		if errors.As(err, &se) {
			return sinks.Object{}, s.sourceFailed(key, se.err)
		}
		return sinks.Object{}, err
	}
	defer s.removeStaged(ctx, key, staged)
	if err := ctx.Err(); err != nil {
		return sinks.Object{}, s.fail(s.objectCall("put", key, "s3:PutObject"), err)
	}
	size, sum := hr.Size(), hr.Sum()
	mod, err := s.publish(ctx, key, staged, etag, size, sum)
	if err != nil {
		return sinks.Object{}, err
	}
	return sinks.Object{Key: key, Size: size, SHA256: sum, ModTime: mod}, nil
}

// stagingName returns a fresh name under the reserved staging directory.
func (s *sink) stagingName() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("s3 put: random staging name: %w", err)
	}
	return s.full(tmpDir + "/" + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])), nil
}

// removeStaged deletes a staged object, even when ctx is done. A failure
// leaves a stray object under .pilotlight-tmp/ but does not fail the Put.
func (s *sink) removeStaged(ctx context.Context, key, staged string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.loc.bucket, Key: &staged})
	if err != nil {
		c := call{verb: "put", key: key, action: "s3:DeleteObject", arn: s.stagingARN()}
		s.log.Warn("s3: could not remove a staged upload; delete it by hand or expire "+tmpDir+"/ with a lifecycle rule",
			"staged", staged, "err", s.fail(c, err))
	}
}

// modTime asks the store for an object's modification time, falling back
// to the local clock: the object is stored either way.
func (s *sink) modTime(ctx context.Context, name string) time.Time {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.loc.bucket, Key: &name})
	if err != nil || out.LastModified == nil {
		if err != nil {
			err = s.fail(call{verb: "stat", key: name, action: "s3:GetObject", arn: s.objectARN(name)}, err)
		}
		s.log.Debug("s3: no modification time after upload, using the local clock", "object", name, "err", err)
		return storeTime(time.Now())
	}
	return storeTime(*out.LastModified)
}

func (s *sink) getBuf() *[]byte  { return s.bufs.Get().(*[]byte) }
func (s *sink) putBuf(b *[]byte) { s.bufs.Put(b) }

// storeTime normalises modification times to UTC seconds: HEAD reports
// whole seconds while List and CopyObject report milliseconds, and Put,
// Stat and List must agree.
func storeTime(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
