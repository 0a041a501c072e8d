package sinks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// fanoutBuf is the size of one read from the source stream. Every sink sees
// each buffer before the next is read, so memory stays bounded and the whole
// fan-out runs at the pace of the slowest sink.
const fanoutBuf = 1 << 20

// Fanout returns a Sink that writes every Put to all of sinks at once, from a
// single read of the stream. A Put succeeds only when every sink succeeded;
// when any fails, the others are cancelled and objects that some sinks had
// already completed are deleted, so no sink keeps a visible object.
//
// Reads (Open, Stat, List) use the first sink that answers: the first one
// given is the primary. Delete removes the key from every sink.
//
// The sinks must be distinct storage: one given twice receives every object
// twice and fails late. OpenAll opens a list of URLs and refuses that.
func Fanout(sinks ...Sink) Sink {
	if len(sinks) == 1 {
		return sinks[0]
	}
	return &fanout{sinks: sinks}
}

type fanout struct{ sinks []Sink }

// Members lists the sinks of a fan-out, so that a caller can reach each one
// on its own (to clean up on every sink independently while one is down).
func (f *fanout) Members() []Sink { return append([]Sink(nil), f.sinks...) }

// Members returns the sinks behind s: the members of a Fanout, else s itself.
func Members(s Sink) []Sink {
	if m, ok := s.(interface{ Members() []Sink }); ok {
		return m.Members()
	}
	return []Sink{s}
}

func (f *fanout) String() string {
	names := make([]string, len(f.sinks))
	for i, s := range f.sinks {
		names[i] = s.String()
	}
	return strings.Join(names, " + ")
}

func (f *fanout) Put(ctx context.Context, key string, r io.Reader) (Object, error) {
	if err := ValidateKey(key); err != nil {
		return Object{}, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	n := len(f.sinks)
	pws := make([]*io.PipeWriter, n)
	objs := make([]Object, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, s := range f.sinks {
		pr, pw := io.Pipe()
		pws[i] = pw
		wg.Add(1)
		go func() {
			defer wg.Done()
			objs[i], errs[i] = s.Put(ctx, key, pr)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("%s: %w", s, errs[i])
				cancel(errs[i])
			}
			// Unblock the writer if the sink stopped reading early.
			pr.CloseWithError(errSinkStopped)
		}()
	}

	srcErr := copyToAll(ctx, r, pws)
	for _, pw := range pws {
		pw.CloseWithError(srcErr) // nil: EOF
	}
	wg.Wait()

	var failed []error
	for _, e := range errs {
		if e != nil {
			failed = append(failed, e)
		}
	}
	if srcErr != nil && !errors.Is(srcErr, errSinkStopped) && len(failed) == 0 {
		failed = append(failed, srcErr)
	}
	if len(failed) == 0 {
		for i := 1; i < n; i++ {
			if objs[i].SHA256 != objs[0].SHA256 || objs[i].Size != objs[0].Size {
				failed = append(failed, fmt.Errorf("%s stored %d bytes (sha256 %s) but %s stored %d bytes (sha256 %s)",
					f.sinks[0], objs[0].Size, objs[0].SHA256, f.sinks[i], objs[i].Size, objs[i].SHA256))
			}
		}
	}
	if len(failed) > 0 {
		return Object{}, f.rollback(context.WithoutCancel(ctx), key, errs, errors.Join(failed...))
	}
	return objs[0], nil
}

var errSinkStopped = errors.New("sink stopped reading")

// copyToAll reads r once and writes each buffer to every pipe.
func copyToAll(ctx context.Context, r io.Reader, pws []*io.PipeWriter) error {
	buf := make([]byte, fanoutBuf)
	for {
		if err := context.Cause(ctx); err != nil {
			return err
		}
		k, rerr := io.ReadFull(r, buf)
		if k > 0 {
			for _, pw := range pws {
				if _, err := pw.Write(buf[:k]); err != nil {
					return err
				}
			}
		}
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			return nil
		case rerr != nil:
			return rerr
		}
	}
}

// rollback deletes key from the sinks whose Put succeeded, so that a failed
// fan-out leaves nothing visible anywhere, and reports what it could not undo.
func (f *fanout) rollback(ctx context.Context, key string, putErrs []error, cause error) error {
	var undoErrs []error
	for i, s := range f.sinks {
		if putErrs[i] != nil {
			continue
		}
		if err := s.Delete(ctx, key); err != nil {
			undoErrs = append(undoErrs, fmt.Errorf("%s: could not remove the completed copy of %q, delete it by hand: %w", s, key, err))
		}
	}
	if len(undoErrs) > 0 {
		return errors.Join(append([]error{cause}, undoErrs...)...)
	}
	return cause
}

func (f *fanout) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	var errs []error
	for _, s := range f.sinks {
		rc, err := s.Open(ctx, key)
		if err == nil {
			return rc, nil
		}
		errs = append(errs, err)
	}
	return nil, joinRead(errs)
}

func (f *fanout) Stat(ctx context.Context, key string) (Object, error) {
	var errs []error
	for _, s := range f.sinks {
		o, err := s.Stat(ctx, key)
		if err == nil {
			return o, nil
		}
		errs = append(errs, err)
	}
	return Object{}, joinRead(errs)
}

func (f *fanout) List(ctx context.Context, prefix string, fn func(Object) error) error {
	return f.sinks[0].List(ctx, prefix, fn)
}

func (f *fanout) Delete(ctx context.Context, key string) error {
	var errs []error
	for _, s := range f.sinks {
		if err := s.Delete(ctx, key); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s, err))
		}
	}
	return errors.Join(errs...)
}

func (f *fanout) Close() error {
	var errs []error
	for _, s := range f.sinks {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// joinRead keeps ErrNotExist testable when every sink lacks the object.
func joinRead(errs []error) error {
	for _, e := range errs {
		if !errors.Is(e, ErrNotExist) {
			return errors.Join(errs...)
		}
	}
	return errs[0]
}
