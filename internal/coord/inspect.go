package coord

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// InspectFile reports who holds the file lease name in dir, without creating
// anything: nil when nobody holds it (or dir or the lock file does not exist).
// It is for status reports; the answer may be stale by the time it is read.
func InspectFile(dir, name string) (*Holder, error) {
	if dir == "" {
		return nil, fmt.Errorf("coord: empty lease directory")
	}
	return (&fileCoordinator{dir: dir}).Inspect(name)
}

// Inspect reports who holds the lease name: nil when nobody does.
//
// A released lease leaves an empty lock file, so an empty file is answered
// without touching the lock. When holder details are present (a live holder,
// or one that died without releasing), Inspect confirms with a non-blocking
// flock that it drops at once: during that instant a concurrent Acquire
// without wait would see the lease as held.
func (c *fileCoordinator) Inspect(name string) (*Holder, error) {
	esc, err := escapeName(name)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(c.dir, esc+".lock")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("coord: inspecting lease %q: %w", name, err)
	}
	defer f.Close()
	h := readHolder(path)
	if h.PID == 0 {
		if st, err := f.Stat(); err == nil && st.Size() == 0 {
			return nil, nil // released
		}
	}
	free, err := tryLock(f)
	if err != nil {
		return nil, fmt.Errorf("coord: inspecting lease %q: %w", name, err)
	}
	if free {
		return nil, nil // closing f drops the lock again
	}
	return &h, nil
}
