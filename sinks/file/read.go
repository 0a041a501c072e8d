package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// Open returns the object's content, checked against its recorded SHA-256.
func (s *Sink) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := s.checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.path(key))
	if err != nil {
		return nil, s.mapErr("open", key, err)
	}
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		f.Close()
		if err == nil {
			err = fs.ErrNotExist
		}
		return nil, s.mapErr("open", key, err)
	}
	sum, size, err := s.readMeta(key)
	if err != nil {
		f.Close()
		return nil, s.mapErr("open", key, err)
	}
	return sinks.VerifyingReader(key, sum, size, f), nil
}

// Stat describes key.
func (s *Sink) Stat(ctx context.Context, key string) (sinks.Object, error) {
	if err := s.checkKey(key); err != nil {
		return sinks.Object{}, err
	}
	if err := ctx.Err(); err != nil {
		return sinks.Object{}, err
	}
	fi, err := os.Stat(s.path(key))
	if err == nil && fi.IsDir() {
		err = fs.ErrNotExist
	}
	if err != nil {
		return sinks.Object{}, s.mapErr("stat", key, err)
	}
	sum, _, err := s.readMeta(key)
	if err != nil {
		return sinks.Object{}, s.mapErr("stat", key, err)
	}
	return sinks.Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime(), SHA256: sum}, nil
}

// Delete removes key and its checksum record.
func (s *Sink) Delete(ctx context.Context, key string) error {
	if err := s.checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(s.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.mapErr("delete", key, err)
	}
	if err := os.Remove(s.metaPath(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.mapErr("delete", key, err)
	}
	return nil
}

// List walks the tree in lexical key order. Directory entries are compared
// as "name/" so that "a-b" comes before "a/x", as in object stores.
func (s *Sink) List(ctx context.Context, prefix string, fn func(sinks.Object) error) error {
	if _, err := os.Stat(s.root); err != nil {
		return checkRoot(s.root)
	}
	// Start from the deepest directory that the prefix names completely.
	start := ""
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		start = prefix[:i]
	}
	return s.walk(ctx, start, prefix, fn)
}

func (s *Sink) walk(ctx context.Context, dir, prefix string, fn func(sinks.Object) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries, err := os.ReadDir(filepath.Join(s.root, filepath.FromSlash(dir)))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
		return nil
	}
	if err != nil {
		return s.mapErr("list", dir, err)
	}
	names := make([]string, 0, len(entries))
	isDir := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if name == reserved {
			continue
		}
		if e.IsDir() {
			name += "/"
			isDir[name] = true
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		key := path.Join(dir, name)
		if isDir[name] {
			sub := key + "/"
			if strings.HasPrefix(sub, prefix) || strings.HasPrefix(prefix, sub) {
				if err := s.walk(ctx, key, prefix, fn); err != nil {
					return err
				}
			}
			continue
		}
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		o, err := s.Stat(ctx, key)
		if errors.Is(err, sinks.ErrNotExist) {
			continue // deleted while we listed
		}
		if err != nil {
			return fmt.Errorf("list %s: %w", prefix, err)
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}
