package sinks

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"
)

// RetryPolicy configures WithRetry. Zero fields pick the defaults.
type RetryPolicy struct {
	Attempts   int           // total tries per call, default 5
	MinBackoff time.Duration // first wait, default 200ms
	MaxBackoff time.Duration // cap of one wait, default 10s
	Logger     *slog.Logger
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = 5
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = 200 * time.Millisecond
	}
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = max(10*time.Second, p.MinBackoff)
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	return p
}

// backoff returns the wait before retry number n (1-based): exponential with
// full jitter, so that many clients retrying at once spread out.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.MinBackoff << min(n-1, 30)
	if d <= 0 || d > p.MaxBackoff {
		d = p.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// WithRetry wraps s so that calls failing with an error marked Transient are
// tried again with exponential backoff and jitter. Other errors (missing
// object, bad credentials, corruption) return at once.
//
// A Put is retried only when its reader is an io.Seeker (a local file), since
// a stream cannot be read twice; the backends already retry single parts.
// List resumes after the last object it delivered, never repeating one.
func WithRetry(s Sink, p RetryPolicy) Sink {
	return &retrySink{s: s, p: p.withDefaults()}
}

type retrySink struct {
	s Sink
	p RetryPolicy
}

func (r *retrySink) do(ctx context.Context, op, key string, fn func() error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = fn()
		if err == nil || !IsTransient(err) || attempt >= r.p.Attempts {
			if err != nil && IsTransient(err) {
				return fmt.Errorf("%s %q: gave up after %d attempts: %w", op, key, attempt, err)
			}
			return err
		}
		wait := r.p.backoff(attempt)
		r.p.Logger.WarnContext(ctx, "transient storage error, retrying",
			"sink", r.s.String(), "op", op, "key", key, "attempt", attempt, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s %q: %w (last error: %w)", op, key, ctx.Err(), err)
		case <-t.C:
		}
	}
}

func (r *retrySink) Put(ctx context.Context, key string, src io.Reader) (Object, error) {
	seeker, ok := src.(io.Seeker)
	if !ok {
		return r.s.Put(ctx, key, src)
	}
	start, err := seeker.Seek(0, io.SeekCurrent)
	if err != nil {
		return r.s.Put(ctx, key, src)
	}
	var obj Object
	first := true
	err = r.do(ctx, "put", key, func() error {
		if !first {
			if _, err := seeker.Seek(start, io.SeekStart); err != nil {
				return fmt.Errorf("rewind source for retry: %w", err)
			}
		}
		first = false
		var err error
		obj, err = r.s.Put(ctx, key, src)
		return err
	})
	return obj, err
}

func (r *retrySink) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	var rc io.ReadCloser
	err := r.do(ctx, "open", key, func() error {
		var err error
		rc, err = r.s.Open(ctx, key)
		return err
	})
	return rc, err
}

func (r *retrySink) Stat(ctx context.Context, key string) (Object, error) {
	var o Object
	err := r.do(ctx, "stat", key, func() error {
		var err error
		o, err = r.s.Stat(ctx, key)
		return err
	})
	return o, err
}

func (r *retrySink) List(ctx context.Context, prefix string, fn func(Object) error) error {
	var last string
	delivered := false
	var fnErr error
	err := r.do(ctx, "list", prefix, func() error {
		fnErr = nil
		return r.s.List(ctx, prefix, func(o Object) error {
			if delivered && o.Key <= last {
				return nil // already delivered before the retry
			}
			if err := fn(o); err != nil {
				fnErr = err
				return err
			}
			last, delivered = o.Key, true
			return nil
		})
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

func (r *retrySink) Delete(ctx context.Context, key string) error {
	return r.do(ctx, "delete", key, func() error { return r.s.Delete(ctx, key) })
}

func (r *retrySink) String() string { return r.s.String() }
func (r *retrySink) Close() error   { return r.s.Close() }
