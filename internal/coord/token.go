package coord

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// nextToken reads the counter at path, increments it (from floor when floor is
// higher) and writes it back durably (temp file, fsync, rename, fsync of the
// directory) before returning it, so a token is never handed out twice, even if
// the machine crashes right after. The caller must hold the name's lock. A
// missing file counts as 0; an unreadable one is an error, never a reset,
// because a reset would let a new holder's token fall below one the checkpoint
// has already seen.
func nextToken(path string, floor uint64) (uint64, error) {
	cur, err := readToken(path)
	if err != nil {
		return 0, err
	}
	cur = max(cur, floor)
	if cur == ^uint64(0) {
		return 0, fmt.Errorf("coord: token counter %s is exhausted", path)
	}
	next := cur + 1
	if err := writeToken(path, next); err != nil {
		return 0, err
	}
	return next, nil
}

func readToken(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("coord: reading token counter: %w", err)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("coord: token counter %s is corrupt (%q); fix or remove it only after raising it above the checkpoint's token: %w", path, b, err)
	}
	return n, nil
}

func writeToken(path string, n uint64) (err error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("coord: writing token counter: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err := f.WriteString(strconv.FormatUint(n, 10) + "\n"); err != nil {
		_ = f.Close()
		return fmt.Errorf("coord: writing token counter: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("coord: syncing token counter: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("coord: closing token counter: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("coord: replacing token counter: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("coord: opening %s to sync it: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("coord: syncing %s: %w", dir, err)
	}
	return nil
}
