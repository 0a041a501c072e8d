package azblob

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// firstRead is how much Put reads before taking a full part buffer, so that
// a small manifest does not cost PartSize bytes of memory.
const firstRead = 256 << 10

// Put streams r into a block blob with bounded memory.
//
// Content that fits in one part goes up in a single Put Blob request that
// carries the SHA-256 metadata. Larger content is cut into PartSize blocks,
// at most Concurrency of them held in memory and staged at once, and becomes
// visible with one Put Block List that carries the SHA-256 metadata: the
// checksum is known only after the last byte and Azure takes metadata at
// commit, so content and checksum appear together, never one without the
// other. On failure nothing is committed and the staged blocks are
// discarded (cleanup.go).
func (s *Sink) Put(ctx context.Context, key string, r io.Reader) (sinks.Object, error) {
	if err := sinks.ValidateKey(key); err != nil {
		return sinks.Object{}, err
	}
	u := &upload{
		s:    s,
		key:  key,
		bb:   s.cc.NewBlockBlobClient(s.blobName(key)),
		src:  sinks.NewHashingReader(r),
		free: make(chan *[]byte, s.concurrency),
	}
	defer u.release()
	obj, err := u.run(ctx)
	if err != nil {
		return sinks.Object{}, err
	}
	s.log.DebugContext(ctx, "azblob put", "key", key, "size", obj.Size, "blocks", len(u.ids))
	return obj, nil
}

// upload is the state of one Put.
type upload struct {
	s   *Sink
	key string
	bb  *blockblob.Client
	src *sinks.HashingReader

	idPrefix [16]byte     // random start of this upload's block IDs
	ids      []string     // staged block IDs, in order
	owned    []*[]byte    // part buffers taken from the sink's pool
	free     chan *[]byte // owned buffers not in use
	wg       sync.WaitGroup

	abort    func() // cuts off the blocks in flight after stageGrace
	mu       sync.Mutex
	stageErr error // first StageBlock failure
}

func (u *upload) run(ctx context.Context) (sinks.Object, error) {
	head := make([]byte, min(u.s.partSize, firstRead))
	n, err := io.ReadFull(u.src, head)
	first, firstBuf := head[:n], (*[]byte)(nil)
	if err == nil && int64(n) < u.s.partSize { // more than firstRead: fill a whole part
		if firstBuf, err = u.acquire(ctx); err != nil {
			return sinks.Object{}, u.s.fail(opPut, u.key, err)
		}
		copy(*firstBuf, head)
		var m int
		m, err = io.ReadFull(u.src, (*firstBuf)[n:])
		first = (*firstBuf)[:n+m]
	}
	switch {
	case isEOF(err):
		return u.single(ctx, first)
	case err != nil:
		return sinks.Object{}, fmt.Errorf("azblob put %q: read source: %w", u.key, err)
	}
	return u.blocks(ctx, first, firstBuf)
}

// single stores content that fits in one part with one Put Blob.
func (u *upload) single(ctx context.Context, data []byte) (sinks.Object, error) {
	sum := md5.Sum(data)
	resp, err := u.bb.Upload(ctx, streaming.NopCloser(bytes.NewReader(data)), &blockblob.UploadOptions{
		Metadata:                u.metadata(),
		TransactionalValidation: blob.TransferValidationTypeMD5(sum[:]),
	})
	if err != nil {
		return u.failedCommit(ctx, err, false)
	}
	return u.object(resp.LastModified), nil
}

func (u *upload) metadata() map[string]*string {
	sum := u.src.Sum()
	return map[string]*string{sinks.MetadataSHA256Azure: &sum}
}

func (u *upload) object(modTime *time.Time) sinks.Object {
	obj := sinks.Object{Key: u.key, Size: u.src.Size(), SHA256: u.src.Sum()}
	if modTime != nil {
		obj.ModTime = *modTime
	}
	return obj
}

// isEOF reports the end of the source as io.ReadFull signals it.
func isEOF(err error) bool { return err == io.EOF || err == io.ErrUnexpectedEOF }
