// Package file is the file:// sink: objects are plain files under a root
// directory, so a snapshot on local disk or a mounted volume can be read with
// ordinary tools.
//
// Each object's SHA-256 and size live in a small sidecar file in a hidden
// .pilotlight directory beside it (DIR/.pilotlight/NAME.sha256), written
// before the object becomes visible; an upload in progress is a temp file in
// that same directory and becomes visible by rename. Keeping the bookkeeping
// beside each object means the checksums are found whatever directory the
// sink is opened at, and survive cp -r and rsync.
package file

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// reserved names the per-directory folder of pilotlight's bookkeeping. It is
// never listed, and no key segment may use the name.
const reserved = ".pilotlight"

// Sink stores objects as files under Root.
type Sink struct {
	root string
	url  string
	log  *slog.Logger
}

// Open opens the file sink named by u: file:///absolute/dir or
// file://./relative/dir. With opts.Create (a caller that writes) a missing
// directory is created, with its parents (mode 0750, like mkdir -p);
// otherwise it must exist.
func Open(ctx context.Context, u *url.URL, opts sinks.Options) (sinks.Sink, error) {
	if _, err := sinks.QueryParams(u); err != nil {
		return nil, err
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w %q: file:// takes no user name or password", sinks.ErrBadURL, u.Redacted())
	}
	var dir string
	switch u.Host {
	case "", "localhost":
		dir = u.Path
	case ".", "..":
		dir = u.Host + u.Path
	default:
		return nil, fmt.Errorf("%w %q: file:// needs an absolute path (file:///var/lib/pilotlight) or ./relative path (file://./backups); %q looks like a host name", sinks.ErrBadURL, u.String(), u.Host)
	}
	if dir == "" {
		return nil, fmt.Errorf("%w %q: file:// needs a directory, e.g. file:///var/lib/pilotlight", sinks.ErrBadURL, u.String())
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", sinks.ErrBadURL, u.String(), err)
	}
	if err := prepareRoot(ctx, abs, opts); err != nil {
		return nil, err
	}
	return &Sink{root: abs, url: u.String(), log: opts.WithDefaults().Logger}, nil
}

// New opens a file sink rooted at dir, which must exist unless opts.Create
// is set.
func New(dir string, opts sinks.Options) (*Sink, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := prepareRoot(context.Background(), abs, opts); err != nil {
		return nil, err
	}
	return &Sink{root: abs, url: "file://" + abs, log: opts.WithDefaults().Logger}, nil
}

// dirMode is the mode of the directories a writer creates for its root
// (before the umask): backups are for the owner and its group.
const dirMode = 0o750

// prepareRoot creates dir for a writer when it is missing, then checks it.
func prepareRoot(ctx context.Context, dir string, opts sinks.Options) error {
	if opts.Create {
		if _, err := os.Stat(dir); err != nil { // missing, or a file on the way: MkdirAll says which
			if err := os.MkdirAll(dir, dirMode); err != nil {
				return mkdirError(dir, err)
			}
			opts.WithDefaults().Logger.InfoContext(ctx, "file sink: created the directory", "dir", dir, "mode", fmt.Sprintf("%#o", dirMode))
		}
	}
	return checkRoot(dir)
}

func checkRoot(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return sinks.Errorf(sinks.ErrNoBucket, "directory %s does not exist: create it (mkdir -p %s) or fix the URL", dir, dir)
	case errors.Is(err, fs.ErrPermission):
		return sinks.Errorf(sinks.ErrPermission, "cannot access directory %s: give the user running pilotlight (uid %d) read and execute permission on it", dir, os.Getuid())
	case err != nil:
		return sinks.Errorf(sinks.ErrUnreachable, "cannot use directory %s: %v", dir, err)
	case !fi.IsDir():
		return sinks.Errorf(sinks.ErrBadURL, "%s is not a directory: a file:// URL names a directory", dir)
	}
	return nil
}

// Root is the directory that holds the objects.
func (s *Sink) Root() string { return s.root }

func (s *Sink) String() string { return s.url }

// Close does nothing: the file sink holds no resources between calls.
func (s *Sink) Close() error { return nil }

func (s *Sink) path(key string) string { return filepath.Join(s.root, filepath.FromSlash(key)) }

// bookDir is the bookkeeping directory beside key.
func (s *Sink) bookDir(key string) string {
	return filepath.Join(filepath.Dir(s.path(key)), reserved)
}

func (s *Sink) metaPath(key string) string {
	return filepath.Join(s.bookDir(key), path.Base(key)+".sha256")
}

func (s *Sink) checkKey(key string) error {
	if err := sinks.ValidateKey(key); err != nil {
		return err
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == reserved {
			return fmt.Errorf("%w: object key %q: %s is reserved for pilotlight's bookkeeping", sinks.ErrBadURL, key, reserved)
		}
	}
	return nil
}

// mapErr turns an OS error into the sink's sentinel errors with a hint.
func (s *Sink) mapErr(op, key string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		if _, rerr := os.Stat(s.root); rerr != nil {
			return checkRoot(s.root)
		}
		return fmt.Errorf("%s %s: %w", op, key, sinks.ErrNotExist)
	case errors.Is(err, fs.ErrPermission):
		return sinks.Errorf(sinks.ErrPermission, "%s %s: permission denied: the user running pilotlight (uid %d) cannot write under %s: fix the directory's owner or mode", op, key, os.Getuid(), s.root)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s %s: %w", op, key, err)
	default:
		return fmt.Errorf("%s %s: %w", op, key, err)
	}
}
