package azblob

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// readRetries is how many times a broken download resumes where it stopped
// (pinned to the blob's ETag, so an overwrite in between is an error).
const readRetries = 3

// Open streams key. The reader checks the stored SHA-256 and size at EOF.
func (s *Sink) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := sinks.ValidateKey(key); err != nil {
		return nil, err
	}
	resp, err := s.cc.NewBlobClient(s.blobName(key)).DownloadStream(ctx, nil)
	if err != nil {
		return nil, s.fail(opOpen, key, err)
	}
	size := int64(-1)
	if resp.ContentLength != nil {
		size = *resp.ContentLength
	}
	body := &readErrors{rc: resp.NewRetryReader(ctx, &blob.RetryReaderOptions{MaxRetries: readRetries}), s: s, key: key}
	return sinks.VerifyingReader(key, metaSHA(resp.Metadata), size, body), nil
}

// readErrors maps errors met while reading a download, except io.EOF.
type readErrors struct {
	rc  io.ReadCloser
	s   *Sink
	key string
}

func (r *readErrors) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	if err != nil && err != io.EOF {
		err = r.s.fail(opOpen, r.key, err)
	}
	return n, err
}

func (r *readErrors) Close() error { return r.rc.Close() }

// Stat describes key from its properties.
func (s *Sink) Stat(ctx context.Context, key string) (sinks.Object, error) {
	if err := sinks.ValidateKey(key); err != nil {
		return sinks.Object{}, err
	}
	p, err := s.cc.NewBlobClient(s.blobName(key)).GetProperties(ctx, nil)
	if err != nil {
		return sinks.Object{}, s.fail(opStat, key, err)
	}
	obj := sinks.Object{Key: key, SHA256: metaSHA(p.Metadata)}
	if p.ContentLength != nil {
		obj.Size = *p.ContentLength
	}
	if p.LastModified != nil {
		obj.ModTime = *p.LastModified
	}
	return obj, nil
}

// List walks the flat blob listing under prefix; Azure returns names in
// lexical order, page after page.
func (s *Sink) List(ctx context.Context, prefix string, fn func(sinks.Object) error) error {
	base := s.listBase()
	opts := &container.ListBlobsFlatOptions{Include: container.ListBlobsInclude{Metadata: true}}
	if full := base + prefix; full != "" {
		opts.Prefix = &full
	}
	pager := s.cc.NewListBlobsFlatPager(opts)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return s.fail(opList, prefix, err)
		}
		for _, item := range page.Segment.BlobItems {
			if item.Name == nil || item.Properties == nil || isFolder(item.Metadata) {
				continue
			}
			key := strings.TrimPrefix(*item.Name, base)
			if key == "" {
				continue
			}
			obj := sinks.Object{Key: key, SHA256: metaSHA(item.Metadata)}
			if item.Properties.ContentLength != nil {
				obj.Size = *item.Properties.ContentLength
			}
			if item.Properties.LastModified != nil {
				obj.ModTime = *item.Properties.LastModified
			}
			if err := fn(obj); err != nil {
				return err
			}
		}
	}
	return nil
}

// isFolder reports the directory markers of accounts with a hierarchical
// namespace (Data Lake Storage Gen2), which are not objects.
func isFolder(m map[string]*string) bool {
	for k, v := range m {
		if strings.EqualFold(k, "hdi_isfolder") && v != nil && strings.EqualFold(*v, "true") {
			return true
		}
	}
	return false
}

// Delete removes key and its snapshots; a missing key is not an error.
func (s *Sink) Delete(ctx context.Context, key string) error {
	if err := sinks.ValidateKey(key); err != nil {
		return err
	}
	_, err := s.cc.NewBlobClient(s.blobName(key)).Delete(ctx, &blob.DeleteOptions{
		DeleteSnapshots: to.Ptr(blob.DeleteSnapshotsOptionTypeInclude),
	})
	if err := s.fail(opDelete, key, err); err != nil && !errors.Is(err, sinks.ErrNotExist) {
		return err
	}
	return nil
}
