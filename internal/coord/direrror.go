package coord

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
)

// DirError says that the lease directory (pilotlight's state directory) cannot
// be created or written. Its message says how to choose another: the
// directory is resolved from configuration the operator controls, and the
// default, /var/lib/pilotlight, is not writable by an unprivileged user.
type DirError struct {
	Dir string
	Err error // what the system said
}

func (e *DirError) Error() string {
	reason := e.Err.Error()
	var pe *fs.PathError
	if errors.As(e.Err, &pe) && pe.Path == e.Dir {
		reason = pe.Err.Error() // the path is named already
	}
	return fmt.Sprintf("cannot keep lock files in the state directory %s (%s): choose another one the user running "+
		"pilotlight may write: set XDG_STATE_HOME (lock files then go in $XDG_STATE_HOME/pilotlight), or "+
		"replication.lease_dir in the config (snapshot.lock_dir for snapshots only)", e.Dir, reason)
}

func (e *DirError) Unwrap() error { return e.Err }

// dirError wraps err in a *DirError when it says the directory cannot be
// written (permissions, a read-only filesystem), else returns it as is.
func dirError(dir string, err error) error {
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		return &DirError{Dir: dir, Err: err}
	}
	return err
}
