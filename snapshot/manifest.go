// Package snapshot takes consistent, chunked, compressed snapshots of a MySQL
// or MariaDB server, streams them to one or several sinks at once, and reads
// them back (ls, show, verify, cat, prune).
//
// # Layout
//
// A snapshot lives under snapshots/<id>/ on every sink, where <id> is
// "<UTC time>-<random>" (20261201T104128Z-3f9a1c2e), so keys sort by time.
// manifest.json is written last, on every sink; a snapshot without one does
// not exist for any command. Every other object is named in the manifest with
// its sizes and SHA-256, in load order:
//
//	snapshots/<id>/<db>/@schema.sql.zst             CREATE DATABASE
//	snapshots/<id>/<db>/<table>/@schema.sql.zst     CREATE TABLE
//	snapshots/<id>/<db>/<table>/000001.sql.zst      rows of one key range
//	snapshots/<id>/<db>/@objects.sql.zst            views, routines, triggers, events
//	snapshots/<id>/manifest.json
//
// Database and table names are escaped (see EscapeName) so that any name
// makes one safe key segment. Every object decompresses (after decryption,
// when the manifest says it is encrypted) to plain SQL that the stock mysql
// or mariadb client loads: no GTID_PURGED, no SQL_LOG_BIN, no DEFINER.
package snapshot

import (
	"encoding/json"
	"fmt"
	"time"
)

// FormatVersion is the manifest format this build writes. Readers refuse
// manifests with a higher version. Format 2 added Chunk.Digest; format 1
// manifests (no digests) are read as before.
const FormatVersion = 2

// Root is the key prefix of all snapshots on a sink.
const Root = "snapshots/"

// ManifestName is the last object written to a snapshot directory.
const ManifestName = "manifest.json"

// Consistency methods, recorded in Manifest.Consistency.
const (
	// MethodStandbyCheckpoint: the source is a standby fed by pilotlight
	// replicate; every worker read the same checkpoint row inside its
	// snapshot transaction. No lock is taken.
	MethodStandbyCheckpoint = "standby-checkpoint"
	// MethodFlushLock: FLUSH TABLES WITH READ LOCK was held only while the
	// worker transactions opened and the position was read.
	MethodFlushLock = "flush-tables-read-lock"
	// MethodLockFree: MariaDB without a lock: every worker's consistent
	// snapshot reported the same binlog position (binlog_snapshot_file and
	// binlog_snapshot_position), mapped to a GTID position with BINLOG_GTID_POS.
	MethodLockFree = "lock-free-binlog-snapshot"
)

// Manifest describes one complete snapshot.
type Manifest struct {
	FormatVersion int       `json:"format_version"`
	ID            string    `json:"id"`
	Tool          string    `json:"tool"` // "pilotlight v1.2.3"
	Source        Source    `json:"source"`
	GTIDSet       string    `json:"gtid_set"` // in the source flavor's own syntax; may be "" on a server that never wrote a GTID
	BinlogFile    string    `json:"binlog_file,omitempty"`
	BinlogPos     uint64    `json:"binlog_pos,omitempty"`
	Consistency   string    `json:"consistency"`      // one of the Method constants
	Stream        string    `json:"stream,omitempty"` // standby-checkpoint: the pilotlight replicate stream whose checkpoint gave gtid_set
	Started       time.Time `json:"started"`
	Finished      time.Time `json:"finished"`
	Threads       int       `json:"threads"`
	Compression   string    `json:"compression"`          // "zstd"
	Encryption    *Crypto   `json:"encryption,omitempty"` // nil: objects are not encrypted
	Schemas       []Schema  `json:"schemas"`
}

// Source identifies the server the snapshot was read from. It never holds a
// credential.
type Source struct {
	Flavor     string `json:"flavor"` // "mysql" or "mariadb"
	Version    string `json:"version"`
	ServerUUID string `json:"server_uuid,omitempty"`
	ServerID   uint32 `json:"server_id"`
	Host       string `json:"host"` // host:port as given, without user or password
}

// Crypto says how objects are encrypted. The key itself is never recorded:
// restore needs the same key file.
type Crypto struct {
	Algorithm string `json:"algorithm"` // "AES-256-GCM-STREAM-1"
	KeyID     string `json:"key_id"`    // fingerprint of the key, to tell keys apart
}

// Schema is one database.
type Schema struct {
	Name    string  `json:"name"`
	Create  File    `json:"create"`            // CREATE DATABASE
	Tables  []Table `json:"tables"`            // base tables, in name order
	Objects *File   `json:"objects,omitempty"` // views, routines, triggers, events; loaded after every table's rows
}

// Table is one base table.
type Table struct {
	Name   string   `json:"name"`
	Create File     `json:"create"`        // CREATE TABLE
	Rows   int64    `json:"rows"`          // rows dumped, the sum over Chunks
	Key    []string `json:"key,omitempty"` // columns the chunks are cut on; empty: dumped whole
	Chunks []Chunk  `json:"chunks"`
}

// File is one stored object of a snapshot.
type File struct {
	Key      string `json:"key"`       // relative to the snapshot directory
	RawBytes int64  `json:"raw_bytes"` // SQL text before compression
	Bytes    int64  `json:"bytes"`     // as stored
	SHA256   string `json:"sha256"`    // hex SHA-256 of the stored bytes
}

// Chunk is the rows of one key range of a table. From is the exclusive lower
// bound and To the inclusive upper bound of the key, as SQL literals; nil
// means unbounded.
type Chunk struct {
	File
	Rows int64    `json:"rows"`
	From []string `json:"from,omitempty"`
	To   []string `json:"to,omitempty"`
	// Digest is an order-independent digest of the chunk's rows as the
	// snapshot read them (see ChunkDigest), so that a restore can prove the
	// target holds the same rows; "" in format 1 manifests.
	Digest string `json:"digest,omitempty"`
}

// Dir is the key prefix of snapshot id: "snapshots/<id>/".
func Dir(id string) string { return Root + id + "/" }

// ManifestKey is the key of snapshot id's manifest.
func ManifestKey(id string) string { return Dir(id) + ManifestName }

// Files lists every object of the snapshot except the manifest, in the order
// a load must apply them.
func (m *Manifest) Files() []File { return schemaFiles(m.Schemas) }

// schemaFiles lists the objects of schemas in load order.
func schemaFiles(schemas []Schema) []File {
	var out []File
	for _, s := range schemas {
		out = append(out, s.Create)
		for _, t := range s.Tables {
			out = append(out, t.Create)
			for _, c := range t.Chunks {
				out = append(out, c.File)
			}
		}
		if s.Objects != nil {
			out = append(out, *s.Objects)
		}
	}
	return out
}

// Bytes is the stored size of every object but the manifest.
func (m *Manifest) Bytes() (stored, raw int64) {
	for _, f := range m.Files() {
		stored += f.Bytes
		raw += f.RawBytes
	}
	return stored, raw
}

// Rows is the number of rows in the snapshot.
func (m *Manifest) Rows() int64 {
	var n int64
	for _, s := range m.Schemas {
		for _, t := range s.Tables {
			n += t.Rows
		}
	}
	return n
}

// ParseManifest decodes and checks a manifest.
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	switch {
	case m.FormatVersion < 1:
		return nil, fmt.Errorf("%w: no format_version", ErrBadManifest)
	case m.FormatVersion > FormatVersion:
		return nil, fmt.Errorf("%w: format_version %d is newer than this pilotlight understands (%d); upgrade pilotlight", ErrBadManifest, m.FormatVersion, FormatVersion)
	case m.ID == "":
		return nil, fmt.Errorf("%w: no id", ErrBadManifest)
	}
	return &m, nil
}

// Marshal encodes m as indented JSON.
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return append(b, '\n'), nil
}
