package snapshot

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors at the package boundary.
var (
	ErrBadManifest = errors.New("snapshot: bad manifest")
	ErrNotFound    = errors.New("snapshot: no such snapshot")
)

// idTime is the layout of the time part of an id.
const idTime = "20060102T150405Z"

// NewID returns a fresh id for a snapshot started at t.
func NewID(t time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return t.UTC().Format(idTime) + "-" + hex.EncodeToString(b[:])
}

// IDTime is the start time encoded in id.
func IDTime(id string) (time.Time, error) {
	ts, _, ok := strings.Cut(id, "-")
	if !ok {
		return time.Time{}, fmt.Errorf("snapshot id %q: want <UTC time>-<random>", id)
	}
	t, err := time.Parse(idTime, ts)
	if err != nil {
		return time.Time{}, fmt.Errorf("snapshot id %q: %w", id, err)
	}
	return t, nil
}

// EscapeName turns a database or table name into one key segment: letters,
// digits, '-' and '_' are kept, every other byte becomes %XX. The mapping is
// injective and never yields "", ".", "..", a '/' or a '.', so escaped names
// cannot collide with the "@"-prefixed names of the layout.
func EscapeName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	if b.Len() == 0 {
		return "%"
	}
	return b.String()
}

// Object names inside a snapshot directory, without the extension.
const (
	schemaObject  = "@schema"
	objectsObject = "@objects"
)

// Ext is the extension of every data object: plain SQL, zstd, and ".aes"
// when encrypted.
func Ext(encrypted bool) string {
	if encrypted {
		return ".sql.zst.aes"
	}
	return ".sql.zst"
}

// SchemaKey is the key of database db's CREATE DATABASE object.
func SchemaKey(db string, encrypted bool) string {
	return EscapeName(db) + "/" + schemaObject + Ext(encrypted)
}

// ObjectsKey is the key of database db's views, routines, triggers and events.
func ObjectsKey(db string, encrypted bool) string {
	return EscapeName(db) + "/" + objectsObject + Ext(encrypted)
}

// TableKey is the key of table db.t's CREATE TABLE object.
func TableKey(db, t string, encrypted bool) string {
	return EscapeName(db) + "/" + EscapeName(t) + "/" + schemaObject + Ext(encrypted)
}

// ChunkKey is the key of chunk n (from 1) of table db.t.
func ChunkKey(db, t string, n int, encrypted bool) string {
	return fmt.Sprintf("%s/%s/%06d%s", EscapeName(db), EscapeName(t), n, Ext(encrypted))
}
