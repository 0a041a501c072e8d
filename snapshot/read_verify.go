package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/pilotlight-dr/pilotlight/internal/seal"
	"github.com/pilotlight-dr/pilotlight/sinks"
)

// DefaultVerifyParallel is how many objects Verify reads at once.
const DefaultVerifyParallel = 4

// VerifyOptions tune Verify. The zero value checks stored sizes and hashes,
// and decompresses the objects of a snapshot that is not encrypted.
type VerifyOptions struct {
	// Key decrypts an encrypted snapshot, so that its objects are also
	// decrypted and decompressed. Without it only the stored bytes of an
	// encrypted snapshot are checked, which needs no key.
	Key *seal.Key
	// Parallel is the number of objects read at once (DefaultVerifyParallel).
	Parallel int
	// OnRead, when set, is called with the number of stored bytes read each
	// time some arrive, from several goroutines at once.
	OnRead func(n int64)
}

// Failure is one object that failed verification.
type Failure struct {
	File File
	Err  error // wraps sinks.ErrCorrupt or sinks.ErrNotExist
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	Objects  int   // objects in the manifest
	Bytes    int64 // their stored size
	Deep     bool  // also decrypted and decompressed, checking the SQL size
	Failures []Failure
}

// Verify re-reads every object of snapshot m from s and checks its stored
// size and SHA-256 against the manifest; when it can (the snapshot is not
// encrypted, or opts.Key is given) it also decompresses each one and checks
// its SQL size. Every object is read even after a failure, so the report
// lists all of them, in manifest (load) order; the error is then the first
// one's. An error that is not about one object (credentials, network,
// cancellation, a wrong key) stops at once and is returned as itself.
func Verify(ctx context.Context, s sinks.Sink, m *Manifest, opts VerifyOptions) (VerifyReport, error) {
	files := m.Files()
	rep := VerifyReport{Objects: len(files), Deep: m.Encryption == nil || opts.Key != nil}
	rep.Bytes, _ = m.Bytes()
	if opts.Key != nil || m.Encryption == nil {
		if err := CheckKey(m, opts.Key); err != nil {
			return rep, err
		}
	}
	par := opts.Parallel
	if par <= 0 {
		par = DefaultVerifyParallel
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(par, max(1, len(files))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				err := verifyFile(ctx, s, m, files[i], rep.Deep, opts)
				if err != nil && !objectFailure(err) {
					cancel(err)
					return
				}
				errs[i] = err
			}
		}()
	}
feed:
	for i := range files {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return rep, err
	}
	for i, err := range errs {
		if err != nil {
			rep.Failures = append(rep.Failures, Failure{File: files[i], Err: err})
		}
	}
	if len(rep.Failures) > 0 {
		return rep, rep.Failures[0].Err
	}
	return rep, nil
}

// objectFailure reports whether err is a verdict on one object.
func objectFailure(err error) bool {
	return errors.Is(err, sinks.ErrCorrupt) || errors.Is(err, sinks.ErrNotExist)
}

func verifyFile(ctx context.Context, s sinks.Sink, m *Manifest, f File, deep bool, opts VerifyOptions) error {
	if deep {
		rc, err := openFile(ctx, s, m, f, opts.Key, opts.OnRead)
		if err != nil {
			return missing(err, Dir(m.ID)+f.Key)
		}
		defer rc.Close()
		_, err = io.Copy(io.Discard, rc)
		return err
	}
	full := Dir(m.ID) + f.Key
	body, err := s.Open(ctx, full)
	if err != nil {
		return missing(fmt.Errorf("open %s: %w", full, err), full)
	}
	defer body.Close()
	return newCheckReader(body, full, f, opts.OnRead).drain()
}

// missing rewords a missing object: for a snapshot, that is damage.
func missing(err error, key string) error {
	if errors.Is(err, sinks.ErrNotExist) && !errors.Is(err, sinks.ErrCorrupt) {
		return sinks.Errorf(sinks.ErrNotExist, "object %s is missing: the snapshot is damaged", key)
	}
	return err
}
