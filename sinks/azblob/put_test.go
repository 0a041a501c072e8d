package azblob

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

const mib = 1 << 20

// brokenReader yields Data(seed, n) and then fails with err.
func brokenReader(seed uint64, n int64, err error) io.Reader {
	return io.MultiReader(sinktest.Data(seed, n), errReader{err})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestPutBlocks checks how Put lays out a multi-block blob: PartSize blocks
// in order, and the SHA-256 metadata set by the commit itself.
func TestPutBlocks(t *testing.T) {
	t.Parallel()
	s := newTestSink(t, sinks.Options{PartSize: mib, Concurrency: 3})
	ctx := context.Background()
	size := int64(5*mib + 123)
	obj, err := s.Put(ctx, "blocks/obj", sinktest.Data(1, size))
	if err != nil {
		t.Fatal(err)
	}
	if want := sinktest.DataSHA256(t, 1, size); obj.SHA256 != want || obj.Size != size || obj.ModTime.IsZero() {
		t.Fatalf("Put returned %+v, want size %d sha %s and a mod time", obj, size, want)
	}
	bb := rawContainer(t, s).NewBlockBlobClient(s.blobName("blocks/obj"))
	list, err := bb.GetBlockList(ctx, blockblob.BlockListTypeAll, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.CommittedBlocks) != 6 || len(list.UncommittedBlocks) != 0 {
		t.Fatalf("got %d committed and %d uncommitted blocks, want 6 and 0", len(list.CommittedBlocks), len(list.UncommittedBlocks))
	}
	for i, b := range list.CommittedBlocks {
		if want := int64(mib); i == 5 {
			want = 123
			if *b.Size != want {
				t.Errorf("block %d has %d bytes, want %d", i, *b.Size, want)
			}
		} else if *b.Size != want {
			t.Errorf("block %d has %d bytes, want %d", i, *b.Size, want)
		}
	}
	props, err := bb.GetProperties(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := metaSHA(props.Metadata); got != obj.SHA256 {
		t.Errorf("stored metadata SHA-256 = %q, want %q", got, obj.SHA256)
	}
	// The suite's fault tests use one-part originals; a failed overwrite of a
	// multi-block blob takes the re-commit path of the cleanup.
	_, err = s.Put(ctx, "blocks/obj", brokenReader(2, 4*mib, errors.New("source died")))
	if err == nil || !strings.Contains(err.Error(), "source died") {
		t.Fatalf("Put with a failing source = %v", err)
	}
	if left := uncommitted(t, s); len(left) > 0 {
		t.Errorf("uncommitted blocks left after a failed overwrite: %v", left)
	}
	rc, err := s.Open(ctx, "blocks/obj")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, n, err := sinktest.ReadSHA256(rc); err != nil || got != obj.SHA256 || n != size {
		t.Errorf("after a failed overwrite read %d bytes sha %s err %v, want the original", n, got, err)
	}
}

// TestPutFailedOverwriteOfOnePartBlob: the original was stored with one Put
// Blob (no block list); the failed overwrite's blocks must still go.
func TestPutFailedOverwriteOfOnePartBlob(t *testing.T) {
	t.Parallel()
	s := newTestSink(t, sinks.Options{PartSize: mib, Concurrency: 2})
	ctx := context.Background()
	orig, err := s.Put(ctx, "one/part", sinktest.Data(3, 1000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "one/part", brokenReader(4, 3*mib+5, errors.New("source died"))); err == nil {
		t.Fatal("Put with a failing source succeeded")
	}
	if left := uncommitted(t, s); len(left) > 0 {
		t.Errorf("uncommitted blocks left after a failed overwrite: %v", left)
	}
	st, err := s.Stat(ctx, "one/part")
	if err != nil || st.SHA256 != orig.SHA256 || st.Size != 1000 {
		t.Errorf("after a failed overwrite Stat = %+v, %v; want the original %+v", st, err, orig)
	}
}

// TestPutCancelLeavesNothing cancels uploads with many small blocks in
// flight: blocks the service is still storing must not outlive the cleanup.
func TestPutCancelLeavesNothing(t *testing.T) {
	t.Parallel()
	s := newTestSink(t, sinks.Options{PartSize: mib, Concurrency: 8})
	if _, err := s.Put(context.Background(), "cancel/existing", sinktest.Data(1, 2*mib+1)); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		for _, key := range []string{"cancel/new", "cancel/existing"} {
			ctx, cancel := context.WithCancel(context.Background())
			r := io.MultiReader(sinktest.Data(uint64(i), int64(10+i)*mib), readerFunc(func([]byte) (int, error) {
				cancel()
				return 0, ctx.Err()
			}))
			if _, err := s.Put(ctx, key, r); !errors.Is(err, context.Canceled) {
				t.Fatalf("Put(%q) cancelled mid-upload = %v, want context.Canceled", key, err)
			}
		}
	}
	if left := uncommitted(t, s); len(left) > 0 {
		t.Errorf("uncommitted blocks left after cancelled uploads: %v", left)
	}
	if _, err := s.Stat(context.Background(), "cancel/new"); !errors.Is(err, sinks.ErrNotExist) {
		t.Errorf("Stat of a cancelled new key = %v, want ErrNotExist", err)
	}
	if st, err := s.Stat(context.Background(), "cancel/existing"); err != nil || st.Size != 2*mib+1 {
		t.Errorf("Stat of the key whose overwrites were cancelled = %+v, %v; want the original", st, err)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
