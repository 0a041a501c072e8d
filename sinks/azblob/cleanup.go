package azblob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// cleanupTimeout bounds the work after a failed Put, which runs even when
// the Put's context was cancelled.
const cleanupTimeout = time.Minute

// failedCommit handles an error from the request that makes the object
// visible (Put Blob or Put Block List). That request may have been applied
// although its response was lost: then the blob under key holds exactly what
// was streamed and Put succeeds. Otherwise the staged blocks are discarded
// and the error is returned.
func (u *upload) failedCommit(ctx context.Context, err error, staged bool) (sinks.Object, error) {
	mapped := u.s.fail(opPut, u.key, err)
	if cannotHaveStaged(mapped) {
		return sinks.Object{}, mapped
	}
	if staged {
		u.cleanup(ctx)
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	props, perr := u.bb.GetProperties(cctx, nil)
	if perr == nil && metaSHA(props.Metadata) == u.src.Sum() && props.ContentLength != nil && *props.ContentLength == u.src.Size() {
		u.s.log.WarnContext(ctx, "azblob put: the commit reported an error, but the blob holds the streamed content", "key", u.key, "error", mapped)
		return u.object(props.LastModified), nil
	}
	return sinks.Object{}, mapped
}

// cleanup discards the blocks this upload staged, so that a failed Put
// leaves nothing behind. Azure has no "abort upload": staged blocks belong to
// the blob name. When no blob is committed under it, deleting the name
// removes them. When one is, committing its own block list again discards
// them and keeps its content, metadata and headers (its Last-Modified time
// moves); a blob stored with one Put Blob has no block list, so its content
// is committed as one block when it fits in one part. Failures are logged,
// not returned: Azure drops uncommitted blocks itself after 7 days or at the
// next commit of the name.
func (u *upload) cleanup(ctx context.Context) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := u.discard(cctx); err != nil {
		u.s.log.WarnContext(ctx, "azblob put: could not discard staged blocks; Azure drops them within 7 days or at the next Put of this key",
			"key", u.key, "error", u.s.fail(opPut, u.key, err))
	}
}

func (u *upload) discard(ctx context.Context) error {
	props, err := u.bb.GetProperties(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound) {
		// Only uncommitted blocks exist under the name: delete them. A
		// writer committing this very name at the same moment would lose its
		// blob; one writer per key is the rule (on Azure two concurrent
		// uploads of one name already break each other's block lists).
		if _, err := u.bb.Delete(ctx, nil); err != nil && !bloberror.HasCode(err, bloberror.BlobNotFound) {
			return err
		}
		return nil
	}
	if err != nil {
		return err
	}
	list, err := u.bb.GetBlockList(ctx, blockblob.BlockListTypeAll, nil)
	if err != nil {
		return err
	}
	if !u.ownsAny(list.UncommittedBlocks) {
		return nil
	}
	cond := &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfMatch: props.ETag}}
	headers := &blob.HTTPHeaders{
		BlobContentType:        props.ContentType,
		BlobContentEncoding:    props.ContentEncoding,
		BlobContentLanguage:    props.ContentLanguage,
		BlobContentDisposition: props.ContentDisposition,
		BlobCacheControl:       props.CacheControl,
		BlobContentMD5:         props.ContentMD5,
	}
	meta, tier := keepMetadata(props.Metadata), keepTier(props)
	ids := make([]string, 0, len(list.CommittedBlocks))
	for _, b := range list.CommittedBlocks {
		ids = append(ids, *b.Name)
	}
	if len(ids) == 0 {
		// Stored with one Put Blob, so it has no block list to commit again:
		// give it one, a single block holding its content.
		if ids, err = u.restage(ctx, props, cond); err != nil {
			return err
		}
	}
	_, err = u.bb.CommitBlockList(ctx, ids, &blockblob.CommitBlockListOptions{
		Metadata: meta, HTTPHeaders: headers, Tier: tier, AccessConditions: cond,
	})
	return err
}

// restage stages the content of a blob stored without a block list as one
// block (with this upload's ID scheme, so that all IDs have one length) and
// returns the block list to commit. The content must fit in one part.
func (u *upload) restage(ctx context.Context, props blob.GetPropertiesResponse, cond *blob.AccessConditions) ([]string, error) {
	size := int64(0)
	if props.ContentLength != nil {
		size = *props.ContentLength
	}
	if size == 0 {
		return []string{}, nil
	}
	if size > u.s.partSize {
		return nil, fmt.Errorf("the existing blob (%d bytes, stored without a block list) is larger than one part", size)
	}
	buf := u.s.getBuf()
	defer u.s.putBuf(buf)
	dl, err := u.bb.DownloadStream(ctx, &blob.DownloadStreamOptions{AccessConditions: cond})
	if err != nil {
		return nil, err
	}
	_, err = io.ReadFull(dl.Body, (*buf)[:size])
	dl.Body.Close()
	if err != nil {
		return nil, err
	}
	id := u.blockID(maxBlocks)
	if _, err := u.bb.StageBlock(ctx, id, streaming.NopCloser(bytes.NewReader((*buf)[:size])), nil); err != nil {
		return nil, err
	}
	return []string{id}, nil
}

// ownsAny reports whether one of blocks was staged by this upload.
func (u *upload) ownsAny(blocks []*blockblob.Block) bool {
	mine := make(map[string]bool, len(u.ids))
	for _, id := range u.ids {
		mine[id] = true
	}
	for _, b := range blocks {
		if b.Name != nil && mine[*b.Name] {
			return true
		}
	}
	return false
}

// keepMetadata copies metadata read back from a blob, restoring the case of
// pilotlight's own name (the SDK capitalizes names read from headers).
func keepMetadata(m map[string]*string) map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		if strings.EqualFold(k, sinks.MetadataSHA256Azure) {
			k = sinks.MetadataSHA256Azure
		}
		out[k] = v
	}
	return out
}

// keepTier returns the blob's explicitly set access tier, nil when inferred.
func keepTier(p blob.GetPropertiesResponse) *blob.AccessTier {
	if p.AccessTier == nil || (p.AccessTierInferred != nil && *p.AccessTierInferred) {
		return nil
	}
	t := blob.AccessTier(*p.AccessTier)
	return &t
}
