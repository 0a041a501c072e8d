package sinks_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/file"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// flaky puts a real file sink behind faults: the first failures calls of
// each operation fail with err (marked transient or not).
type flaky struct {
	sinks.Sink
	failures int32
	err      error
	calls    map[string]*atomic.Int32
	// listAfter makes List deliver that many objects before failing.
	listAfter int
}

func newFlaky(t *testing.T, failures int32, err error) *flaky {
	s, err2 := file.New(t.TempDir(), sinks.Options{})
	if err2 != nil {
		t.Fatal(err2)
	}
	f := &flaky{Sink: s, failures: failures, err: err, calls: map[string]*atomic.Int32{}}
	for _, op := range []string{"put", "open", "stat", "list", "delete"} {
		f.calls[op] = &atomic.Int32{}
	}
	return f
}

func (f *flaky) fail(op string) bool { return f.calls[op].Add(1) <= f.failures }

func (f *flaky) Put(ctx context.Context, key string, r io.Reader) (sinks.Object, error) {
	if f.fail("put") {
		io.CopyN(io.Discard, r, 10) // consume some input, as a failed upload does
		return sinks.Object{}, f.err
	}
	return f.Sink.Put(ctx, key, r)
}

func (f *flaky) Stat(ctx context.Context, key string) (sinks.Object, error) {
	if f.fail("stat") {
		return sinks.Object{}, f.err
	}
	return f.Sink.Stat(ctx, key)
}

func (f *flaky) Delete(ctx context.Context, key string) error {
	if f.fail("delete") {
		return f.err
	}
	return f.Sink.Delete(ctx, key)
}

func (f *flaky) List(ctx context.Context, prefix string, fn func(sinks.Object) error) error {
	failing := f.fail("list")
	n := 0
	return f.Sink.List(ctx, prefix, func(o sinks.Object) error {
		if failing && n == f.listAfter {
			return f.err
		}
		n++
		return fn(o)
	})
}

var fast = sinks.RetryPolicy{Attempts: 4, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

func TestRetryTransientUntilSuccess(t *testing.T) {
	f := newFlaky(t, 2, sinks.Transient(errors.New("503 slow down")))
	s := sinks.WithRetry(f, fast)
	ctx := context.Background()

	// A local file is rewound and its Put retried whole.
	p := filepath.Join(t.TempDir(), "src")
	os.WriteFile(p, []byte("0123456789abcdefghij"), 0o644)
	src, _ := os.Open(p)
	defer src.Close()
	obj, err := s.Put(ctx, "k", src)
	if err != nil || obj.Size != 20 {
		t.Fatalf("Put after two transient failures = %+v, %v; want the whole 20 bytes stored", obj, err)
	}
	if got := f.calls["put"].Load(); got != 3 {
		t.Errorf("Put tried %d times, want 3", got)
	}
	if _, err := s.Stat(ctx, "k"); err != nil {
		t.Errorf("Stat after transient failures: %v", err)
	}
	if err := s.Delete(ctx, "k"); err != nil {
		t.Errorf("Delete after transient failures: %v", err)
	}
}

func TestRetryStreamIsNotRetried(t *testing.T) {
	f := newFlaky(t, 1, sinks.Transient(errors.New("connection reset")))
	s := sinks.WithRetry(f, fast)
	if _, err := s.Put(context.Background(), "k", io.MultiReader(strings.NewReader("a stream"))); err == nil {
		t.Fatal("a failed Put of a stream was retried from a half-read stream")
	}
	if got := f.calls["put"].Load(); got != 1 {
		t.Errorf("Put of a stream tried %d times, want 1 (a stream cannot be read twice)", got)
	}
}

func TestRetryPermanentErrorsReturnAtOnce(t *testing.T) {
	f := newFlaky(t, 10, fmt.Errorf("bucket gone: %w", sinks.ErrNoBucket))
	s := sinks.WithRetry(f, fast)
	_, err := s.Stat(context.Background(), "k")
	if !errors.Is(err, sinks.ErrNoBucket) || f.calls["stat"].Load() != 1 {
		t.Errorf("Stat = %v after %d calls; want ErrNoBucket after 1", err, f.calls["stat"].Load())
	}
}

func TestRetryGivesUpAndSaysSo(t *testing.T) {
	f := newFlaky(t, 100, sinks.Transient(errors.New("503")))
	s := sinks.WithRetry(f, fast)
	_, err := s.Stat(context.Background(), "k")
	if err == nil || !strings.Contains(err.Error(), "gave up after 4 attempts") || f.calls["stat"].Load() != 4 {
		t.Errorf("Stat = %v after %d calls; want a give-up error after 4", err, f.calls["stat"].Load())
	}
}

func TestRetryStopsWhenCancelled(t *testing.T) {
	f := newFlaky(t, 100, sinks.Transient(errors.New("503")))
	s := sinks.WithRetry(f, sinks.RetryPolicy{Attempts: 10, MinBackoff: time.Hour, MaxBackoff: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := s.Stat(ctx, "k")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stat with a deadline during backoff = %v, want DeadlineExceeded", err)
	}
}

func TestRetryListNeverRepeatsAnObject(t *testing.T) {
	f := newFlaky(t, 1, sinks.Transient(errors.New("connection reset")))
	f.listAfter = 3
	for i := range 7 {
		if _, err := f.Sink.Put(context.Background(), fmt.Sprintf("l/%d", i), strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	err := sinks.WithRetry(f, fast).List(context.Background(), "l/", func(o sinks.Object) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil || strings.Join(keys, ",") != "l/0,l/1,l/2,l/3,l/4,l/5,l/6" {
		t.Errorf("List across a transient failure = %v, %v; want each key once, in order", keys, err)
	}
}

func TestFanoutReadsFallBack(t *testing.T) {
	a := newFlaky(t, 0, nil)
	b := newFlaky(t, 0, nil)
	if _, err := b.Sink.Put(context.Background(), "only-b", sinktest.Data(1, 100)); err != nil {
		t.Fatal(err)
	}
	fan := sinks.Fanout(a, b)
	if _, err := fan.Stat(context.Background(), "only-b"); err != nil {
		t.Errorf("Stat of an object only the second sink has: %v", err)
	}
	if _, err := fan.Stat(context.Background(), "nowhere"); !errors.Is(err, sinks.ErrNotExist) {
		t.Errorf("Stat of an object no sink has = %v, want ErrNotExist", err)
	}
}

func TestCheckReportsEachStep(t *testing.T) {
	ok := newFlaky(t, 0, nil)
	rep := sinks.Check(context.Background(), ok)
	if !rep.OK() || len(rep.Steps) != 5 {
		t.Errorf("Check of a working sink = %+v", rep)
	}
	// Listing refused: the other four steps still pass and the report names list.
	denied := newFlaky(t, 0, nil)
	denied.failures = 1
	denied.calls["list"].Store(0)
	for _, op := range []string{"put", "open", "stat", "delete"} {
		denied.calls[op].Store(100)
	}
	denied.err = fmt.Errorf("s3:ListBucket refused: %w", sinks.ErrPermission)
	rep = sinks.Check(context.Background(), denied)
	if rep.OK() || !errors.Is(rep.FirstError(), sinks.ErrPermission) || !strings.HasPrefix(rep.FirstError().Error(), "list:") {
		t.Errorf("Check with listing refused = %+v (first error %v)", rep, rep.FirstError())
	}
	for _, st := range rep.Steps {
		if st.OK == (st.Name == "list") {
			t.Errorf("step %s ok=%v", st.Name, st.OK)
		}
	}
}
