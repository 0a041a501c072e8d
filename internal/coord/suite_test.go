package coord

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The suite below is backend-neutral: every Coordinator must pass it.

// patience bounds every wait in the tests; it is a deadlock guard, never a
// timing assertion.
const patience = 30 * time.Second

func testCoordinator(t *testing.T, newC func(t *testing.T) Coordinator) {
	t.Run("AcquireRelease", func(t *testing.T) { testAcquireRelease(t, newC(t)) })
	t.Run("HeldWithoutWait", func(t *testing.T) { testHeldWithoutWait(t, newC(t)) })
	t.Run("WaitUntilReleased", func(t *testing.T) { testWaitUntilReleased(t, newC(t)) })
	t.Run("WaitCancelled", func(t *testing.T) { testWaitCancelled(t, newC(t)) })
	t.Run("NamesIndependent", func(t *testing.T) { testNamesIndependent(t, newC(t)) })
	t.Run("ManyWaiters", func(t *testing.T) { testManyWaiters(t, newC(t)) })
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	t.Cleanup(cancel)
	return ctx
}

func mustAcquire(t *testing.T, c Coordinator, name string) Lease {
	t.Helper()
	l, err := c.Acquire(ctxT(t), name, false)
	if err != nil {
		t.Fatalf("Acquire(%q): %v", name, err)
	}
	return l
}

func mustRelease(t *testing.T, l Lease) {
	t.Helper()
	if err := l.Release(ctxT(t)); err != nil {
		t.Fatalf("Release(%q): %v", l.Name(), err)
	}
}

func testAcquireRelease(t *testing.T, c Coordinator) {
	const name = "replicate/s1"
	var last uint64
	for i := range 5 {
		l := mustAcquire(t, c, name)
		if l.Name() != name {
			t.Fatalf("Name() = %q, want %q", l.Name(), name)
		}
		if i > 0 && l.Token() <= last {
			t.Fatalf("acquisition %d: token %d not above previous %d", i, l.Token(), last)
		}
		last = l.Token()
		select {
		case <-l.Lost():
			t.Fatal("Lost() closed while the lease is held")
		default:
		}
		mustRelease(t, l)
		select {
		case <-l.Lost():
		default:
			t.Fatal("Lost() still open after Release")
		}
		if err := l.Release(ctxT(t)); err != nil {
			t.Fatalf("second Release: %v", err)
		}
	}
}

func testHeldWithoutWait(t *testing.T, c Coordinator) {
	const name = "replicate/held"
	a := mustAcquire(t, c, name)
	_, err := c.Acquire(ctxT(t), name, false)
	if !errors.Is(err, ErrHeld) {
		t.Fatalf("second Acquire: got %v, want ErrHeld", err)
	}
	var he *HeldError
	if !errors.As(err, &he) {
		t.Fatalf("second Acquire: %T is not a *HeldError", err)
	}
	if he.Holder.Token != a.Token() {
		t.Errorf("holder token = %d, want %d", he.Holder.Token, a.Token())
	}
	mustRelease(t, a)
	b := mustAcquire(t, c, name)
	defer mustRelease(t, b)
	if b.Token() <= a.Token() {
		t.Fatalf("token after release %d not above %d", b.Token(), a.Token())
	}
}

type result struct {
	l   Lease
	err error
}

func acquireAsync(ctx context.Context, c Coordinator, name string) <-chan result {
	ch := make(chan result, 1)
	go func() {
		l, err := c.Acquire(ctx, name, true)
		ch <- result{l, err}
	}()
	return ch
}

func testWaitUntilReleased(t *testing.T, c Coordinator) {
	const name = "replicate/wait"
	a := mustAcquire(t, c, name)
	ch := acquireAsync(ctxT(t), c, name)
	// Not a timing assertion: a waiter that returns early fails, a slow
	// machine can only make this check weaker.
	select {
	case r := <-ch:
		t.Fatalf("waiting Acquire returned while the lease was held: %v, %v", r.l, r.err)
	case <-time.After(100 * time.Millisecond):
	}
	mustRelease(t, a)
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("waiting Acquire: %v", r.err)
		}
		defer mustRelease(t, r.l)
		if r.l.Token() <= a.Token() {
			t.Fatalf("waiter's token %d not above %d", r.l.Token(), a.Token())
		}
	case <-time.After(patience):
		t.Fatal("waiting Acquire did not return after Release")
	}
}

func testWaitCancelled(t *testing.T, c Coordinator) {
	const name = "replicate/cancel"
	a := mustAcquire(t, c, name)
	defer mustRelease(t, a)

	ctx, cancel := context.WithCancel(ctxT(t))
	ch := acquireAsync(ctx, c, name)
	cancel()
	select {
	case r := <-ch:
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("cancelled Acquire: got %v, %v; want context.Canceled", r.l, r.err)
		}
	case <-time.After(patience):
		t.Fatal("cancelled Acquire did not return")
	}

	dctx, dcancel := context.WithTimeout(ctxT(t), 50*time.Millisecond)
	defer dcancel()
	if _, err := c.Acquire(dctx, name, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire past deadline: got %v, want DeadlineExceeded", err)
	}
}

func testNamesIndependent(t *testing.T, c Coordinator) {
	names := []string{"replicate/a", "replicate/b", "cutover", "a.b/c.d", "..", ".", "/", "../../etc/passwd", "replicate%2Fa", "ü"}
	var held []Lease
	for _, n := range names {
		held = append(held, mustAcquire(t, c, n))
	}
	for _, l := range held {
		mustRelease(t, l)
	}
}

func testManyWaiters(t *testing.T, c Coordinator) {
	const name = "replicate/busy"
	const n = 8
	var inside atomic.Int32
	var mu sync.Mutex
	seen := map[uint64]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			l, err := c.Acquire(ctxT(t), name, true)
			if err != nil {
				errs <- fmt.Errorf("waiter %d: %w", i, err)
				return
			}
			if inside.Add(1) != 1 {
				errs <- fmt.Errorf("waiter %d: two holders at once", i)
			}
			mu.Lock()
			if seen[l.Token()] {
				errs <- fmt.Errorf("waiter %d: token %d handed out twice", i, l.Token())
			}
			seen[l.Token()] = true
			mu.Unlock()
			inside.Add(-1)
			if err := l.Release(context.Background()); err != nil {
				errs <- fmt.Errorf("waiter %d: release: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
