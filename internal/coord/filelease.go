package coord

import (
	"context"
	"fmt"
	"os"
	"sync"
)

// fileLease is a held flock. The lock lives as long as f is open.
type fileLease struct {
	name  string
	token uint64
	lost  chan struct{}

	mu sync.Mutex
	f  *os.File // nil once released
}

func newFileLease(name string, token uint64, f *os.File) *fileLease {
	return &fileLease{name: name, token: token, lost: make(chan struct{}), f: f}
}

func (l *fileLease) Name() string          { return l.name }
func (l *fileLease) Token() uint64         { return l.token }
func (l *fileLease) Lost() <-chan struct{} { return l.lost }

// Release clears the holder details and closes the lock file, which drops
// the flock. It does not block, so ctx is not consulted. Later calls return
// nil.
func (l *fileLease) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	close(l.lost)
	// Best effort: stale details would only ever be shown while the next
	// holder is between its flock and its own write.
	truncErr := f.Truncate(0)
	if err := f.Close(); err != nil {
		return fmt.Errorf("coord: releasing lease %q: %w", l.name, err)
	}
	if truncErr != nil {
		return fmt.Errorf("coord: releasing lease %q: clearing holder: %w", l.name, truncErr)
	}
	return nil
}
