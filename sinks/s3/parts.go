package s3

import (
	"context"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// sendRange sends part num, covering [off, off+n) of the object, and
// returns its ETag or an error already mapped for the operator.
type sendRange func(ctx context.Context, num int32, off, n int64) (*string, error)

// rangeParts sends [0, size) as parts of partSize, at most concurrency at a
// time, and returns the completed parts in order. The first failure cancels
// the parts still in flight and is returned; a cancelled ctx returns its error.
func rangeParts(ctx context.Context, size, partSize int64, concurrency int, send sendRange) ([]types.CompletedPart, error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		parts    []types.CompletedPart
		firstErr error
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, concurrency)
	for num, off := int32(1), int64(0); off < size; num, off = num+1, off+partSize {
		select {
		case sem <- struct{}{}:
		case <-cctx.Done():
		}
		if cctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(num int32, off, n int64) {
			defer wg.Done()
			defer func() { <-sem }()
			etag, err := send(cctx, num, off, n)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && firstErr == nil:
				firstErr = err
				cancel()
			case err == nil:
				parts = append(parts, types.CompletedPart{ETag: etag, PartNumber: aws.Int32(num)})
			}
		}(num, off, min(partSize, size-off))
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return nil, firstErr
	}
	sort.Slice(parts, func(i, j int) bool { return *parts[i].PartNumber < *parts[j].PartNumber })
	return parts, nil
}
