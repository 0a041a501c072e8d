package azblob

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

func harness() sinktest.Harness {
	return sinktest.Harness{
		New: func(t *testing.T) sinks.Sink {
			return newTestSink(t, sinks.Options{})
		},
		Corrupt: func(t *testing.T, s sinks.Sink, key string, truncate bool) {
			corrupt(t, s.(*Sink), key, truncate)
		},
		Leftovers: func(t *testing.T, s sinks.Sink) []string {
			return uncommitted(t, s.(*Sink))
		},
	}
}

func TestSuite(t *testing.T) {
	t.Parallel()
	sinktest.Run(t, harness())
}

// corrupt rewrites key's bytes with the SDK, keeping its metadata (and so
// its stored SHA-256): one byte flipped, or the last byte dropped.
func corrupt(t *testing.T, s *Sink, key string, truncate bool) {
	t.Helper()
	ctx := context.Background()
	bb := rawContainer(t, s).NewBlockBlobClient(s.blobName(key))
	dl, err := bb.DownloadStream(ctx, nil)
	if err != nil {
		t.Fatalf("corrupt %s: download: %v", key, err)
	}
	data, err := io.ReadAll(dl.Body)
	dl.Body.Close()
	if err != nil {
		t.Fatalf("corrupt %s: read: %v", key, err)
	}
	if truncate {
		data = data[:len(data)-1]
	} else {
		data[len(data)/2] ^= 0x40
	}
	_, err = bb.Upload(ctx, streaming.NopCloser(bytes.NewReader(data)), &blockblob.UploadOptions{
		Metadata: keepMetadata(dl.Metadata),
	})
	if err != nil {
		t.Fatalf("corrupt %s: upload: %v", key, err)
	}
}

// uncommitted lists the blobs of s's container that hold uncommitted blocks,
// whether or not a committed blob exists under the same name.
func uncommitted(t *testing.T, s *Sink) []string {
	t.Helper()
	ctx := context.Background()
	cc := rawContainer(t, s)
	var names []string
	pager := cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{
		Include: container.ListBlobsInclude{UncommittedBlobs: true},
	})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatalf("list uncommitted blobs: %v", err)
		}
		for _, item := range page.Segment.BlobItems {
			list, err := cc.NewBlockBlobClient(*item.Name).GetBlockList(ctx, blockblob.BlockListTypeUncommitted, nil)
			if err != nil {
				t.Fatalf("block list of %s: %v", *item.Name, err)
			}
			if len(list.UncommittedBlocks) > 0 {
				names = append(names, *item.Name)
			}
		}
	}
	return names
}
