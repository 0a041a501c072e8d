package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// maxManifest bounds the size of a manifest read into memory. A manifest
// lists every chunk of every table; a million chunks is about 300 MiB less
// than this, so anything larger is not a manifest.
const maxManifest = 512 << 20

// manifestReaders is how many manifests are fetched at once by Scan.
const manifestReaders = 8

// Entry is one snapshot that has a manifest.
type Entry struct {
	ID       string
	Time     time.Time // the snapshot's start, UTC (from the manifest, else from the id)
	Manifest *Manifest // nil when Err is set
	Err      error     // the manifest could not be read or is not valid
}

// Good reports whether the snapshot's manifest was read and is valid.
func (e Entry) Good() bool { return e.Err == nil && e.Manifest != nil }

// Incomplete is a snapshot directory without a manifest: a snapshot still
// being written, or one that failed. It does not exist for any command but
// prune.
type Incomplete struct {
	ID        string
	Time      time.Time // from the id; zero when the name is not a snapshot id
	Objects   int
	Bytes     int64
	LastWrite time.Time // modification time of its newest object
}

// Catalog is what a sink holds under Root.
type Catalog struct {
	Entries    []Entry      // oldest first
	Incomplete []Incomplete // oldest first
}

// Newest returns the newest good snapshot, or false when there is none.
func (c *Catalog) Newest() (Entry, bool) {
	e, _, ok := c.NewestGood()
	return e, ok
}

// NewestGood returns the newest good snapshot and, newest first, the newer
// snapshots whose manifests cannot be used (all of them when there is no
// good one, and then false).
func (c *Catalog) NewestGood() (Entry, []Entry, bool) {
	var skipped []Entry
	for i := len(c.Entries) - 1; i >= 0; i-- {
		if c.Entries[i].Good() {
			return c.Entries[i], skipped, true
		}
		skipped = append(skipped, c.Entries[i])
	}
	return Entry{}, skipped, false
}

// List returns the snapshots on s that have a manifest, oldest first, and
// the number of directories without one (incomplete snapshots, which are
// never listed). Entries whose manifest cannot be used carry Err.
func List(ctx context.Context, s sinks.Sink) ([]Entry, int, error) {
	c, err := Scan(ctx, s)
	if err != nil {
		return nil, 0, err
	}
	return c.Entries, len(c.Incomplete), nil
}

// dirInfo is what one listing says about a snapshot directory.
type dirInfo struct {
	id          string
	hasManifest bool
	objects     int
	bytes       int64
	lastWrite   time.Time
}

// Scan lists every snapshot directory on s (one listing of Root) and reads
// the manifest of each complete one.
func Scan(ctx context.Context, s sinks.Sink) (*Catalog, error) {
	dirs, err := scanDirs(ctx, s)
	if err != nil {
		return nil, err
	}
	var c Catalog
	var complete []*dirInfo
	for _, d := range dirs {
		if d.hasManifest {
			complete = append(complete, d)
			continue
		}
		t, _ := IDTime(d.id)
		c.Incomplete = append(c.Incomplete, Incomplete{ID: d.id, Time: t, Objects: d.objects, Bytes: d.bytes, LastWrite: d.lastWrite})
	}
	c.Entries = make([]Entry, len(complete))
	if err := loadEntries(ctx, s, complete, c.Entries); err != nil {
		return nil, err
	}
	sort.SliceStable(c.Entries, func(i, j int) bool {
		a, b := c.Entries[i], c.Entries[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		return a.ID < b.ID
	})
	sort.SliceStable(c.Incomplete, func(i, j int) bool { return c.Incomplete[i].ID < c.Incomplete[j].ID })
	return &c, nil
}

func scanDirs(ctx context.Context, s sinks.Sink) ([]*dirInfo, error) {
	byID := map[string]*dirInfo{}
	var order []*dirInfo
	err := s.List(ctx, Root, func(o sinks.Object) error {
		id, rest, ok := strings.Cut(strings.TrimPrefix(o.Key, Root), "/")
		if !ok || id == "" || rest == "" {
			return nil // not inside a snapshot directory
		}
		d := byID[id]
		if d == nil {
			d = &dirInfo{id: id}
			byID[id] = d
			order = append(order, d)
		}
		if rest == ManifestName {
			d.hasManifest = true
		}
		d.objects++
		d.bytes += o.Size
		if o.ModTime.After(d.lastWrite) {
			d.lastWrite = o.ModTime
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list snapshots on %s: %w", s, err)
	}
	return order, nil
}

// loadEntries reads the manifests of dirs into out, a few at a time. A
// manifest that is missing, unreadable or invalid marks its entry; an error
// that would fail every read (credentials, network, cancellation) fails the
// whole scan.
func loadEntries(ctx context.Context, s sinks.Sink, dirs []*dirInfo, out []Entry) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, manifestReaders)
	var wg sync.WaitGroup
	for i, d := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			m, err := readManifest(ctx, s, d.id)
			if err != nil && !entryError(err) {
				cancel(err)
				return
			}
			e := Entry{ID: d.id, Manifest: m, Err: err}
			e.Time, _ = IDTime(d.id)
			if m != nil && !m.Started.IsZero() {
				e.Time = m.Started.UTC()
			}
			out[i] = e
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

// entryError reports whether err concerns one manifest only.
func entryError(err error) bool {
	return errors.Is(err, ErrBadManifest) || errors.Is(err, sinks.ErrCorrupt) || errors.Is(err, sinks.ErrNotExist)
}

// readManifest reads and checks the manifest of snapshot id.
func readManifest(ctx context.Context, s sinks.Sink, id string) (*Manifest, error) {
	key := ManifestKey(id)
	rc, err := s.Open(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxManifest+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if len(data) > maxManifest {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrBadManifest, key, maxManifest)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	if m.ID != id {
		return nil, fmt.Errorf("%w: %s names snapshot %q, not its directory %q (was it copied by hand?)", ErrBadManifest, key, m.ID, id)
	}
	return m, nil
}
