package coord

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// Backoff bounds for Acquire with wait.
const (
	minPoll = 10 * time.Millisecond
	maxPoll = 500 * time.Millisecond
)

// fileCoordinator is the local-file backend. For a name N (escaped to E) it
// uses two files in its directory:
//
//   - E.lock: flock(LOCK_EX) on it is the lease. It holds the holder's
//     details as JSON for ErrHeld messages. It is never deleted, because
//     deleting a lock file lets two processes lock two different inodes.
//   - E.token: the highest token handed out, as decimal text, replaced
//     atomically and fsynced before a token is returned.
//
// The kernel drops the flock when the holder releases it or dies (kill -9
// included), and the counter survives, so the next holder's token is higher
// even after a crash. The directory must be on a local filesystem: flock on
// network filesystems is not reliable. It guards processes on one host only;
// leases across hosts need the Redis backend.
type fileCoordinator struct {
	dir string
}

// NewFile returns a Coordinator keeping its locks and token counters in dir,
// which is created (mode 0700) if missing. A directory that cannot be
// created, or later written, is a *DirError saying how to choose another.
func NewFile(dir string) (Coordinator, error) {
	if dir == "" {
		return nil, fmt.Errorf("coord: empty lease directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("coord: lease directory %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, &DirError{Dir: abs, Err: err}
	}
	return &fileCoordinator{dir: abs}, nil
}

// Acquire implements Coordinator.
func (c *fileCoordinator) Acquire(ctx context.Context, name string, wait bool, opts ...AcquireOption) (Lease, error) {
	o := applyOptions(opts)
	esc, err := escapeName(name)
	if err != nil {
		return nil, err
	}
	base := filepath.Join(c.dir, esc)
	delay := minPoll
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("coord: acquiring lease %q: %w", name, err)
		}
		l, held, err := c.try(name, base, o.floor)
		if err != nil || held == nil {
			return l, err
		}
		if !wait {
			return nil, held
		}
		// Jitter so that several waiters do not poll in lockstep.
		d := delay/2 + rand.N(delay/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("coord: gave up waiting for lease %q, %s: %w", name, held.Holder, ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, maxPoll)
	}
}

// try makes one attempt. It returns a lease, or a *HeldError when someone
// else holds the lock, or an error.
func (c *fileCoordinator) try(name, base string, floor uint64) (*fileLease, *HeldError, error) {
	f, err := lockFile(base + ".lock")
	if err != nil || f == nil {
		if err != nil {
			return nil, nil, dirError(c.dir, err)
		}
		return nil, &HeldError{Name: name, Holder: readHolder(base + ".lock")}, nil
	}
	token, err := nextToken(base+".token", floor)
	if err != nil {
		_ = f.Close()
		return nil, nil, dirError(c.dir, fmt.Errorf("coord: lease %q: %w", name, err))
	}
	host, _ := os.Hostname()
	h := Holder{PID: os.Getpid(), Host: host, Since: time.Now().UTC(), Token: token}
	if err := writeHolder(f, h); err != nil {
		_ = f.Close()
		return nil, nil, fmt.Errorf("coord: lease %q: %w", name, err)
	}
	return newFileLease(name, token, f), nil, nil
}

// lockFile opens (creating it if needed) and flocks path. It returns a nil
// file and no error when someone else holds the lock.
func lockFile(path string) (*os.File, error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("coord: opening lock file: %w", err)
		}
		ok, err := tryLock(f)
		if err != nil || !ok {
			_ = f.Close()
			return nil, err
		}
		same, err := sameFile(f)
		if err != nil {
			_ = f.Close()
			return nil, err
		}
		if same {
			return f, nil
		}
		// Someone removed the lock file by hand between our open and our
		// lock, so ours is on an orphan inode: start over on the new file.
		_ = f.Close()
	}
}

// writeHolder records h in the lock file. It writes at offset 0 first and
// truncates after, so a concurrent reader decoding the first JSON value sees
// either the old details or the new ones, not an empty file.
func writeHolder(f *os.File, h Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("encoding holder: %w", err)
	}
	b = append(b, '\n')
	if _, err := f.WriteAt(b, 0); err != nil {
		return fmt.Errorf("writing holder: %w", err)
	}
	if err := f.Truncate(int64(len(b))); err != nil {
		return fmt.Errorf("writing holder: %w", err)
	}
	return nil
}

// readHolder returns the holder details in a lock file, or the zero Holder
// when they cannot be read (the holder may not have written them yet).
func readHolder(path string) Holder {
	var h Holder
	f, err := os.Open(path)
	if err != nil {
		return h
	}
	defer f.Close()
	if err := json.NewDecoder(f).Decode(&h); err != nil {
		return Holder{}
	}
	return h
}
