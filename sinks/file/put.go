package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// Put writes r to a temp file, fsyncs it, records its checksum, and renames
// it into place, so the object is visible only once complete and durable.
func (s *Sink) Put(ctx context.Context, key string, r io.Reader) (sinks.Object, error) {
	if err := s.checkKey(key); err != nil {
		return sinks.Object{}, err
	}
	tmpDir := s.bookDir(key)
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return sinks.Object{}, s.mapErr("put", key, err)
	}
	tmp, err := os.CreateTemp(tmpDir, "put-*.part")
	if err != nil {
		return sinks.Object{}, s.mapErr("put", key, err)
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	hr := sinks.NewHashingReader(r)
	if _, err := sinks.CopyContext(ctx, tmp, hr); err != nil {
		return sinks.Object{}, s.mapErr("put", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return sinks.Object{}, s.mapErr("put", key, err)
	}
	if err := tmp.Close(); err != nil {
		return sinks.Object{}, s.mapErr("put", key, err)
	}
	if err := ctx.Err(); err != nil {
		return sinks.Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	sum, size := hr.Sum(), hr.Size()
	// The checksum goes first: once the object is visible, it is checked.
	if err := s.writeMeta(key, sum, size); err != nil {
		return sinks.Object{}, s.mapErr("put", key, err)
	}
	dst := s.path(key)
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return sinks.Object{}, s.mapErr("put", key, err)
	}
	committed = true
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return sinks.Object{}, s.mapErr("put", key, err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return sinks.Object{}, s.mapErr("put", key, err)
	}
	return sinks.Object{Key: key, Size: size, ModTime: fi.ModTime(), SHA256: sum}, nil
}

func (s *Sink) writeMeta(key, sum string, size int64) error {
	p := s.metaPath(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(sum+" "+strconv.FormatInt(size, 10)+"\n"), 0o644); err != nil {
		return err
	}
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	serr := f.Sync()
	f.Close()
	if serr != nil {
		return serr
	}
	return os.Rename(tmp, p)
}

// readMeta returns the recorded checksum and size of key ("" and -1 when
// the object has none, e.g. a file copied in by hand).
func (s *Sink) readMeta(key string) (string, int64, error) {
	b, err := os.ReadFile(s.metaPath(key))
	if errors.Is(err, os.ErrNotExist) {
		return "", -1, nil
	}
	if err != nil {
		return "", -1, err
	}
	sum, sizeText, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	size, perr := strconv.ParseInt(sizeText, 10, 64)
	if !ok || perr != nil || len(sum) != 64 {
		return "", -1, fmt.Errorf("checksum record %s is malformed", s.metaPath(key))
	}
	return sum, size, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
