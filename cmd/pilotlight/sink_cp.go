package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/internal/progress"
	"github.com/pilotlight-dr/pilotlight/internal/redact"
	"github.com/pilotlight-dr/pilotlight/sinks"
)

func (a *app) sinkCpCmd() *cobra.Command {
	var quiet bool
	c := &cobra.Command{
		Use:   "cp SRC DST",
		Short: "Copy one object between a local file, stdin/stdout and any sink",
		Long: `Each side is a local path, - (stdin or stdout), or a sink URL naming one
object (s3://bucket/path/to/object). A DST ending in / (or a local
directory) takes SRC's file name.

Uploads stream with bounded memory (about part-size x concurrency) and store
the SHA-256 computed on the way; an object becomes visible only when it is
complete. Downloads verify that SHA-256 and fail, naming the object, if the
content differs; a local DST is written to a temp file and renamed, so an
interrupted or corrupt download leaves nothing behind.`,
		Example: `  pilotlight sink cp backup.sql.zst s3://dr-backups/manual/?region=eu-west-1
  mariadb-dump --all-databases | zstd | pilotlight sink cp - gs://dr-backups/dumps/all.sql.zst
  pilotlight sink cp azblob://backups/dumps/all.sql.zst?account=drstore - | zstd -d | mariadb
  pilotlight sink cp s3://dr-backups/a.zst gs://dr-copy/a.zst`,
		Args: exactArgs(2, "sink cp needs SRC and DST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.copy(cmd.Context(), args[0], args[1], quiet)
		},
	}
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing on success")
	return c
}

// endpoint is one side of a copy.
type endpoint struct {
	raw  string
	sink sinks.Sink // set for sink URLs
	key  string     // the object within sink
	path string     // set for local files
}

func isURL(s string) bool { return strings.Contains(s, "://") }

// splitObjectURL turns an object URL into the sink to open and the key in
// it: s3://bucket/a/b/obj?region=x is the sink s3://bucket?region=x and the
// key a/b/obj. A file:// URL opens the directory that holds the object
// (created when it is the destination). When the URL ends in "/", the key
// ends with defaultName.
func splitObjectURL(raw, defaultName string) (string, string, error) {
	base, query, _ := strings.Cut(raw, "?")
	scheme, rest, _ := strings.Cut(base, "://")
	if strings.HasSuffix(rest, "/") && defaultName != "" {
		rest += defaultName
	}
	var root, key string
	if strings.EqualFold(scheme, "file") {
		root, key = splitLocal(rest)
	} else {
		root, key, _ = strings.Cut(rest, "/")
	}
	if key == "" || strings.HasSuffix(key, "/") {
		return "", "", usagef("%s names no object: give its full path, e.g. %s://bucket/path/to/object", raw, scheme)
	}
	u := scheme + "://" + root
	if query != "" {
		u += "?" + query
	}
	return u, key, nil
}

// splitLocal splits host+path of a file URL ("/var/x/y", "./rel/y") into the
// directory that holds the object and the object's name.
func splitLocal(rest string) (string, string) {
	return path.Dir(rest), path.Base(rest)
}

// resolve finds one side of a copy. The destination (write) takes
// defaultName, the source's name, when it names a directory; a sink that
// holds it is opened to write.
func (a *app) resolve(ctx context.Context, raw, defaultName string, write bool) (*endpoint, error) {
	e := &endpoint{raw: raw}
	switch {
	case raw == "-":
	case isURL(raw):
		u, key, err := splitObjectURL(raw, defaultName)
		if err != nil {
			return nil, err
		}
		open := a.openSink
		if write {
			open = a.openSinkToWrite
		}
		s, err := open(ctx, u)
		if err != nil {
			return nil, err
		}
		e.sink, e.key = s, key
	default:
		e.path = raw
		if fi, err := os.Stat(raw); err == nil && fi.IsDir() {
			if defaultName == "" {
				return nil, usagef("%s is a directory; copy a file", raw)
			}
			e.path = filepath.Join(raw, defaultName)
		}
	}
	return e, nil
}

func baseName(raw string) string {
	if raw == "-" {
		return ""
	}
	if isURL(raw) {
		p, _, _ := strings.Cut(raw, "?")
		return path.Base(p)
	}
	return filepath.Base(raw)
}

func (a *app) copy(ctx context.Context, srcRaw, dstRaw string, quiet bool) error {
	if srcRaw == "-" && dstRaw == "-" {
		return usagef("sink cp: SRC and DST cannot both be -")
	}
	src, err := a.resolve(ctx, srcRaw, "", false)
	if err != nil {
		return err
	}
	if src.sink != nil {
		defer src.sink.Close()
	}
	dst, err := a.resolve(ctx, dstRaw, baseName(srcRaw), true)
	if err != nil {
		return err
	}
	if dst.sink != nil {
		defer dst.sink.Close()
	}

	r, err := a.openSource(ctx, src)
	if err != nil {
		return err
	}
	defer r.Close()
	counter := progress.NewCounter(r)
	var in io.Reader = counter
	if f, ok := r.(*os.File); ok && f != os.Stdin {
		in = seekCounter{counter, f} // a local file can be rewound, so the upload can be retried
	}
	start := time.Now()
	rep := progress.Start(ctx, a.err, a.log, "copy "+srcRaw, counter.Bytes)
	n, sum, err := a.writeDest(ctx, dst, in)
	rep.Stop()
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w", a.name(src), a.name(dst), err)
	}
	if n < 0 {
		n = counter.Bytes()
	}
	if !quiet {
		d := time.Since(start)
		fmt.Fprintf(a.err, "copied %s from %s to %s in %s (%s/s)%s\n", progress.Bytes(n), a.name(src), a.name(dst),
			d.Round(time.Millisecond), progress.Bytes(int64(progress.Rate(n, d))), sum)
	}
	return nil
}

func (a *app) name(e *endpoint) string {
	switch {
	case e.sink != nil:
		return redact.URL(e.raw)
	case e.path != "":
		return e.path
	}
	return "-"
}

type seekCounter struct {
	*progress.Counter
	f *os.File
}

func (s seekCounter) Seek(off int64, whence int) (int64, error) { return s.f.Seek(off, whence) }

// ReadAt lets a backend read parts of a local file in parallel.
func (s seekCounter) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }

func (a *app) openSource(ctx context.Context, e *endpoint) (io.ReadCloser, error) {
	switch {
	case e.sink != nil:
		return e.sink.Open(ctx, e.key)
	case e.path != "":
		f, err := os.Open(e.path)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", e.path, err)
		}
		return f, nil
	}
	return io.NopCloser(a.in), nil
}

// writeDest stores r at e and returns the size stored (-1: count the
// reads) and a note on the checksum for the summary.
func (a *app) writeDest(ctx context.Context, e *endpoint, r io.Reader) (int64, string, error) {
	switch {
	case e.sink != nil:
		obj, err := e.sink.Put(ctx, e.key, r)
		if err != nil {
			return 0, "", err
		}
		return obj.Size, ", sha256 " + obj.SHA256, nil
	case e.path != "":
		return -1, "", writeFileAtomic(ctx, e.path, r)
	}
	_, err := sinks.CopyContext(ctx, a.out, r)
	return -1, "", err
}

// writeFileAtomic writes r to a temp file beside path, fsyncs and renames it.
func writeFileAtomic(ctx context.Context, path string, r io.Reader) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".part-*")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := sinks.CopyContext(ctx, tmp, r); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	done = true
	return nil
}
