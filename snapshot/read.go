package snapshot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// Latest names the newest good snapshot wherever an id is expected.
const Latest = "latest"

// kindError is a message of its own that tests as one of the sentinels
// (errors.Is) without repeating the sentinel's text.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// notFound is ErrNotFound with a message that says what exists.
func notFound(format string, args ...any) error {
	return &kindError{kind: ErrNotFound, msg: fmt.Sprintf(format, args...)}
}

// Resolved is the snapshot an id named.
type Resolved struct {
	Manifest *Manifest
	// Skipped lists, newest first, the snapshots newer than Manifest that
	// "latest" passed over because their manifests cannot be used (each with
	// Err saying why). Callers must tell the operator: the snapshot used is
	// older than the newest one taken. Empty for every other form of id.
	Skipped []Entry
}

// Load returns the manifest of snapshot id on s (see Resolve). It does not
// say which snapshots "latest" passed over: commands use Resolve.
func Load(ctx context.Context, s sinks.Sink, id string) (*Manifest, error) {
	r, err := Resolve(ctx, s, id)
	return r.Manifest, err
}

// Resolve finds snapshot id on s: every command that takes a snapshot id
// resolves it here. id is a full id, "latest" (the newest snapshot with a
// valid manifest; the newer ones whose manifests cannot be used are in
// Skipped), or a prefix or the random suffix of exactly one id. A snapshot
// that is not there gives an error wrapping ErrNotFound that says what the
// sink holds.
//
// A full id costs one read; the other forms list the snapshots first.
func Resolve(ctx context.Context, s sinks.Sink, id string) (Resolved, error) {
	id = strings.TrimSpace(id)
	switch {
	case id == "":
		return Resolved{}, notFound("no snapshot id given: use an id from `pilotlight snapshot ls`, or latest")
	case id == Latest:
		return resolveLatest(ctx, s)
	case strings.ContainsAny(id, "/\\") || id == "." || id == "..":
		return Resolved{}, notFound("%q is not a snapshot id (ids look like 20261201T104128Z-3f9a1c2e)", id)
	}
	m, err := resolveID(ctx, s, id)
	return Resolved{Manifest: m}, err
}

// resolveLatest is Resolve of "latest".
func resolveLatest(ctx context.Context, s sinks.Sink) (Resolved, error) {
	c, err := Scan(ctx, s)
	if err != nil {
		return Resolved{}, err
	}
	e, skipped, ok := c.NewestGood()
	if ok {
		return Resolved{Manifest: e.Manifest, Skipped: skipped}, nil
	}
	why := ""
	if len(skipped) > 0 {
		why = fmt.Sprintf("; none has a manifest that can be used (the newest, %s: %v)", skipped[0].ID, skipped[0].Err)
	}
	return Resolved{}, notFound("no good snapshot on %s%s%s", s, describe(c), why)
}

// resolveID is Resolve of a full id, a prefix or a random suffix.
func resolveID(ctx context.Context, s sinks.Sink, id string) (*Manifest, error) {
	m, err := readManifest(ctx, s, id)
	if err == nil || !errors.Is(err, sinks.ErrNotExist) {
		return m, err
	}
	c, serr := Scan(ctx, s)
	if serr != nil {
		return nil, errors.Join(err, serr)
	}
	var match []Entry
	for _, e := range c.Entries {
		if strings.HasPrefix(e.ID, id) || strings.HasSuffix(e.ID, "-"+id) {
			match = append(match, e)
		}
	}
	switch {
	case len(match) == 1 && match[0].Good():
		return match[0].Manifest, nil
	case len(match) == 1:
		return nil, match[0].Err
	case len(match) > 1:
		ids := make([]string, len(match))
		for i, e := range match {
			ids[i] = e.ID
		}
		return nil, notFound("%q matches %d snapshots on %s: %s; give more of the id", id, len(match), s, list(ids, 5))
	}
	for _, inc := range c.Incomplete {
		if inc.ID == id {
			return nil, notFound("snapshot %s on %s has no manifest: it is still being written, or it failed (%d objects, last written %s)",
				id, s, inc.Objects, inc.LastWrite.UTC().Format("2006-01-02 15:04:05 UTC"))
		}
	}
	return nil, notFound("no snapshot %s on %s%s", id, s, describe(c))
}

// describe says what the sink holds, for a not-found message.
func describe(c *Catalog) string {
	var ids []string
	for i := len(c.Entries) - 1; i >= 0; i-- {
		ids = append(ids, c.Entries[i].ID)
	}
	var b strings.Builder
	switch len(ids) {
	case 0:
		b.WriteString(": it holds no snapshots")
	default:
		fmt.Fprintf(&b, "; it holds %d snapshot", len(ids))
		if len(ids) > 1 {
			b.WriteString("s")
		}
		b.WriteString(", newest first: " + list(ids, 5))
	}
	if n := len(c.Incomplete); n > 0 {
		fmt.Fprintf(&b, " (and %d incomplete)", n)
	}
	return b.String()
}

// list joins at most n of ids.
func list(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:n], ", ") + fmt.Sprintf(", ... %d more", len(ids)-n)
}
