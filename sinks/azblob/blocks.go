package azblob

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// stageGrace is how long blocks already in flight may go on after a Put is
// cancelled or fails. Cutting their requests off at once could let the
// service store a block after the cleanup has looked, leaving it behind.
const stageGrace = 30 * time.Second

// blocks stages first and the rest of the stream as blocks, at most
// Concurrency at a time, then commits them with the SHA-256 metadata.
func (u *upload) blocks(ctx context.Context, first []byte, firstBuf *[]byte) (sinks.Object, error) {
	sctx, stopStages := context.WithCancel(context.WithoutCancel(ctx))
	defer stopStages()
	u.abort = sync.OnceFunc(func() { time.AfterFunc(stageGrace, stopStages) })
	defer context.AfterFunc(ctx, u.abort)()

	var err error // what stops the upload before the commit
	u.stage(sctx, 0, first, firstBuf)
	for n := 1; err == nil && ctx.Err() == nil && !u.failed(); n++ {
		buf, aerr := u.acquire(ctx)
		if aerr != nil {
			break // ctx is done: checked below
		}
		m, rerr := io.ReadFull(u.src, *buf)
		eof := isEOF(rerr)
		switch {
		case rerr != nil && !eof:
			err = fmt.Errorf("azblob put %q: read source: %w", u.key, rerr)
		case m > 0 && n >= maxBlocks:
			err = fmt.Errorf("azblob put %q: object is over %d blocks of %d bytes: raise the part size", u.key, maxBlocks, u.s.partSize)
		case m > 0:
			u.stage(sctx, n, (*buf)[:m], buf)
			buf = nil
		}
		if buf != nil {
			u.free <- buf
		}
		if eof {
			break
		}
	}
	if err != nil {
		u.abort()
	}
	u.wg.Wait()
	switch {
	case err != nil:
	case u.stageErr != nil:
		err = u.s.fail(opPut, u.key, u.stageErr)
	case ctx.Err() != nil:
		err = u.s.fail(opPut, u.key, ctx.Err())
	}
	if err != nil {
		if !cannotHaveStaged(err) {
			u.cleanup(ctx)
		}
		return sinks.Object{}, err
	}
	resp, err := u.bb.CommitBlockList(ctx, u.ids, &blockblob.CommitBlockListOptions{Metadata: u.metadata()})
	if err != nil {
		return u.failedCommit(ctx, err, true)
	}
	return u.object(resp.LastModified), nil
}

// stage uploads block n from data in the background; owner, when not nil,
// goes back to the free list once the block is sent.
func (u *upload) stage(ctx context.Context, n int, data []byte, owner *[]byte) {
	id := u.blockID(n)
	u.ids = append(u.ids, id)
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		sum := md5.Sum(data)
		_, err := u.bb.StageBlock(ctx, id, streaming.NopCloser(bytes.NewReader(data)), &blockblob.StageBlockOptions{
			TransactionalValidation: blob.TransferValidationTypeMD5(sum[:]),
		})
		if owner != nil {
			u.free <- owner
		}
		if err != nil {
			u.mu.Lock()
			if u.stageErr == nil {
				u.stageErr = err
			}
			u.mu.Unlock()
			u.abort()
		}
	}()
}

func (u *upload) failed() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.stageErr != nil
}

// blockID is the ID of block n: this upload's random prefix and n, so that
// all IDs of a blob have the same length, as Azure requires.
func (u *upload) blockID(n int) string {
	if u.idPrefix == ([16]byte{}) {
		_, _ = rand.Read(u.idPrefix[:]) // never fails (crypto/rand)
	}
	var raw [20]byte
	copy(raw[:], u.idPrefix[:])
	binary.BigEndian.PutUint32(raw[16:], uint32(n))
	return base64.StdEncoding.EncodeToString(raw[:])
}

// acquire returns a free part buffer, taking a new one from the sink's pool
// while fewer than Concurrency are owned, else waiting for one.
func (u *upload) acquire(ctx context.Context) (*[]byte, error) {
	select {
	case b := <-u.free:
		return b, nil
	default:
	}
	if len(u.owned) < u.s.concurrency {
		b := u.s.getBuf()
		u.owned = append(u.owned, b)
		return b, nil
	}
	select {
	case b := <-u.free:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// release returns the part buffers to the sink's pool; Put calls it after
// every block upload has finished.
func (u *upload) release() {
	for _, b := range u.owned {
		u.s.putBuf(b)
	}
	u.owned = nil
}
