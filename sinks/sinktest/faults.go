package sinktest

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// failingReader yields Data(seed, limit) and then, instead of EOF, calls
// onLimit and returns the error it gives.
type failingReader struct {
	r       io.Reader
	left    int64
	onLimit func() error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, f.onLimit()
	}
	if int64(len(p)) > f.left {
		p = p[:f.left]
	}
	n, err := f.r.Read(p)
	f.left -= int64(n)
	return n, err
}

// failAfter returns a reader of seed's data that fails after n bytes.
func failAfter(seed uint64, n int64, onLimit func() error) io.Reader {
	return &failingReader{r: Data(seed, n+1), left: n, onLimit: onLimit}
}

const faultSize = 40 * MiB // larger than a default part: the upload is multipart

func testCancelMidUpload(t *testing.T, h Harness) {
	s := newSink(t, h)
	put(t, s, "cancel/existing", 1, 4096)

	for _, key := range []string{"cancel/new", "cancel/existing"} {
		ctx, cancel := context.WithCancel(context.Background())
		r := failAfter(2, faultSize, func() error {
			cancel()
			<-ctx.Done()
			return ctx.Err()
		})
		_, err := s.Put(ctx, key, r)
		cancel()
		if err == nil {
			t.Fatalf("Put(%q) with a context cancelled mid-upload succeeded", key)
		}
	}
	mustNotExist(t, s, "cancel/new")
	got, n, err := readBack(t, s, "cancel/existing")
	if err != nil || n != 4096 || got != DataSHA256(t, 1, 4096) {
		t.Errorf("object under a key whose overwrite was cancelled: %d bytes, err %v; want the old 4096 bytes intact", n, err)
	}
	noLeftovers(t, h, s)
}

func testReaderError(t *testing.T, h Harness) {
	s := newSink(t, h)
	boom := errors.New("source went away")
	for _, size := range []int64{100, faultSize} {
		_, err := s.Put(context.Background(), "rerr/obj", failAfter(3, size, func() error { return boom }))
		if !errors.Is(err, boom) {
			t.Errorf("Put with a reader failing after %d bytes = %v, want an error wrapping the reader's", size, err)
		}
		mustNotExist(t, s, "rerr/obj")
	}
	noLeftovers(t, h, s)
}

func testCorruption(t *testing.T, h Harness) {
	if h.Corrupt == nil {
		t.Fatal("harness has no Corrupt hook: every backend must prove corruption is detected")
	}
	s := newSink(t, h)
	for _, truncate := range []bool{false, true} {
		key := "corrupt/flipped"
		if truncate {
			key = "corrupt/truncated"
		}
		put(t, s, key, 9, 3*MiB+17)
		h.Corrupt(t, s, key, truncate)
		_, _, err := readBack(t, s, key)
		var ce *sinks.CorruptError
		if !errors.Is(err, sinks.ErrCorrupt) || !errors.As(err, &ce) {
			t.Errorf("reading %s object = %v, want an error wrapping ErrCorrupt", key, err)
			continue
		}
		if !strings.Contains(err.Error(), key) {
			t.Errorf("corruption error %q does not name the object %q", err, key)
		}
	}
}

func testFanout(t *testing.T, h Harness) {
	a, b, c := newSink(t, h), newSink(t, h), newSink(t, h)
	fan := sinks.Fanout(a, b, c)

	obj, err := fan.Put(context.Background(), "fan/ok", Data(4, 12*MiB))
	if err != nil {
		t.Fatalf("fan-out Put: %v", err)
	}
	if obj.SHA256 != DataSHA256(t, 4, 12*MiB) {
		t.Errorf("fan-out Put returned SHA-256 %s", obj.SHA256)
	}
	for _, s := range []sinks.Sink{a, b, c} {
		got, n, err := readBack(t, s, "fan/ok")
		if err != nil || got != obj.SHA256 || n != 12*MiB {
			t.Errorf("%s after fan-out: %d bytes, err %v", s, n, err)
		}
	}

	// One sink fails mid-stream (a real upload of that backend, aborted by a
	// failing reader): no sink may keep a visible object.
	boom := errors.New("injected sink failure")
	failing := &failSink{Sink: c, after: faultSize / 2, err: boom}
	fan = sinks.Fanout(a, b, failing)
	_, err = fan.Put(context.Background(), "fan/broken", Data(5, faultSize))
	if !errors.Is(err, boom) {
		t.Fatalf("fan-out Put with a failing sink = %v, want an error wrapping the sink's", err)
	}
	for _, s := range []sinks.Sink{a, b, c} {
		mustNotExist(t, s, "fan/broken")
		noLeftovers(t, h, s)
	}
}

// failSink is a real sink whose Put sees its stream break after a number of
// bytes, as when its network connection dies.
type failSink struct {
	sinks.Sink
	after int64
	err   error
}

func (f *failSink) Put(ctx context.Context, key string, r io.Reader) (sinks.Object, error) {
	return f.Sink.Put(ctx, key, &failingReader{r: r, left: f.after, onLimit: func() error { return f.err }})
}
