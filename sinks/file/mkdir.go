package file

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// mkdirError explains why the sink's directory dir could not be created:
// one line naming it, the reason and the fix.
func mkdirError(dir string, err error) error {
	at := dir // the path the system refused
	var pe *fs.PathError
	if errors.As(err, &pe) {
		at = pe.Path
	}
	switch {
	case errors.Is(err, syscall.EROFS):
		return sinks.Errorf(sinks.ErrPermission, "cannot create directory %s: %s is on a read-only file system: choose a writable directory, or mount it read-write", dir, at)
	case errors.Is(err, fs.ErrPermission):
		return sinks.Errorf(sinks.ErrPermission, "cannot create directory %s: permission denied in %s for the user running pilotlight (uid %d): create it yourself (mkdir -p %s) and make it writable for that user, or fix the URL",
			dir, filepath.Dir(at), os.Getuid(), dir)
	case errors.Is(err, syscall.ENOTDIR), errors.Is(err, fs.ErrExist):
		return sinks.Errorf(sinks.ErrBadURL, "cannot create directory %s: %s is a file, not a directory: fix the URL", dir, at)
	}
	reason := err.Error()
	if pe != nil {
		reason = pe.Err.Error()
	}
	return sinks.Errorf(sinks.ErrNoBucket, "cannot create directory %s: %s: create it yourself (mkdir -p %s) or fix the URL", dir, reason, dir)
}
