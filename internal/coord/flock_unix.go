//go:build unix

package coord

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// tryLock takes an exclusive flock on f without blocking. It reports false
// (and no error) when another open file description holds it. flock locks
// belong to the open file description, so two opens in one process exclude
// each other too, and the kernel drops the lock when the process dies.
func tryLock(f *os.File) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return false, nil
		default:
			return false, fmt.Errorf("coord: flock %s: %w", f.Name(), err)
		}
	}
}

// sameFile reports whether the open file f is still the file at its path,
// i.e. nobody removed or replaced the lock file while we waited for it.
func sameFile(f *os.File) (bool, error) {
	a, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("coord: stat %s: %w", f.Name(), err)
	}
	b, err := os.Stat(f.Name())
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("coord: stat %s: %w", f.Name(), err)
	}
	return os.SameFile(a, b), nil
}
