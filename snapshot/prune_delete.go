package snapshot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// deleters is how many objects are deleted at once.
const deleters = 8

// ErrCompleted: an incomplete snapshot got its manifest while prune looked.
var ErrCompleted = errors.New("snapshot: completed meanwhile")

// DeleteSnapshot removes snapshot id from s: the manifest first, so that
// from then on the snapshot does not exist for any command even if the rest
// fails half-way, then every object under its directory (listed, not taken
// from the manifest, so that strays go too). It returns the number of
// objects removed. When it fails half-way, what is left is an incomplete
// snapshot: DeleteIncomplete (or a later prune) finishes the removal.
func DeleteSnapshot(ctx context.Context, s sinks.Sink, id string) (int, error) {
	if err := checkID(id); err != nil {
		return 0, err
	}
	if err := s.Delete(ctx, ManifestKey(id)); err != nil {
		return 0, fmt.Errorf("delete the manifest of snapshot %s: %w", id, err)
	}
	n, err := deleteDir(ctx, s, id)
	return n + 1, err
}

// DeleteIncomplete removes an incomplete snapshot's objects, after checking
// once more that it still has no manifest (ErrCompleted if it has one now).
func DeleteIncomplete(ctx context.Context, s sinks.Sink, id string) (int, error) {
	if err := checkID(id); err != nil {
		return 0, err
	}
	_, err := s.Stat(ctx, ManifestKey(id))
	switch {
	case err == nil:
		return 0, fmt.Errorf("%w: snapshot %s now has a manifest; left alone", ErrCompleted, id)
	case !errors.Is(err, sinks.ErrNotExist):
		return 0, fmt.Errorf("check snapshot %s for a manifest: %w", id, err)
	}
	return deleteDir(ctx, s, id)
}

func checkID(id string) error {
	if _, err := IDTime(id); err != nil || strings.ContainsAny(id, "/\\") {
		return fmt.Errorf("refusing to delete %s%s: not a snapshot directory", Root, id)
	}
	return nil
}

// deleteDir deletes every object under snapshot id's directory, a few at a
// time. The keys are collected first: deleting while listing can make some
// stores skip keys.
func deleteDir(ctx context.Context, s sinks.Sink, id string) (int, error) {
	var keys []string
	if err := s.List(ctx, Dir(id), func(o sinks.Object) error {
		keys = append(keys, o.Key)
		return nil
	}); err != nil {
		return 0, fmt.Errorf("list snapshot %s: %w", id, err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range min(deleters, max(1, len(keys))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				if err := s.Delete(ctx, k); err != nil {
					cancel(fmt.Errorf("delete %s: %w", k, err))
					return
				}
				mu.Lock()
				done++
				mu.Unlock()
			}
		}()
	}
feed:
	for _, k := range keys {
		select {
		case next <- k:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return done, fmt.Errorf("snapshot %s: %d of %d objects removed: %w; it has no manifest any more, so nothing will use it, and a later prune removes the rest as an incomplete snapshot", id, done, len(keys), err)
	}
	return done, nil
}
