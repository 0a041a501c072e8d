// Package snapshottest writes small, valid snapshots to a sink, in the
// layout and format the dumper writes (zstd SQL objects, optionally sealed,
// and the manifest last), for the tests of everything that reads
// snapshots: ls, show, verify, cat, prune and restore.
package snapshottest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/pilotlight-dr/pilotlight/internal/seal"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

// Table is one table of a fixture snapshot.
type Table struct {
	Name   string
	Create string     // CREATE TABLE statement, without USE
	Key    []string   // chunk key columns; empty: dumped whole
	Chunks [][]string // per chunk, its rows as SQL tuples: "(1,'a')"
}

// Schema is one database of a fixture snapshot.
type Schema struct {
	Name    string
	Tables  []Table
	Objects string // views and routines, "" for none
}

// Options say what to write. Zero fields pick defaults.
type Options struct {
	Time    time.Time // start time (default: now)
	ID      string    // default snapshot.NewID(Time)
	Key     *seal.Key // seal every object with it
	GTIDSet string    // default "0-1-100"
	Schemas []Schema  // default Shop()
}

// header begins every object, as the dumper's do, so that each one loads on
// its own with the stock client.
func header(db string) string {
	h := "/*!40101 SET NAMES binary */;\nSET time_zone='+00:00';\n" +
		"SET SESSION sql_mode='NO_AUTO_VALUE_ON_ZERO,STRICT_TRANS_TABLES';\n" +
		"SET FOREIGN_KEY_CHECKS=0, UNIQUE_CHECKS=0;\n"
	if db != "" {
		h += "USE " + quote(db) + ";\n"
	}
	return h
}

func quote(name string) string {
	return "`" + string(bytes.ReplaceAll([]byte(name), []byte("`"), []byte("``"))) + "`"
}

// Write stores a complete snapshot on s and returns its manifest. It fails
// t on any error.
func Write(t testing.TB, s sinks.Sink, o Options) *snapshot.Manifest {
	t.Helper()
	m, err := write(context.Background(), s, o, true)
	if err != nil {
		t.Fatalf("snapshottest: write snapshot: %v", err)
	}
	return m
}

// WriteIncomplete stores the objects of a snapshot but no manifest, as a
// snapshot still running (or one that failed) leaves it, and returns the
// manifest it would have had.
func WriteIncomplete(t testing.TB, s sinks.Sink, o Options) *snapshot.Manifest {
	t.Helper()
	m, err := write(context.Background(), s, o, false)
	if err != nil {
		t.Fatalf("snapshottest: write incomplete snapshot: %v", err)
	}
	return m
}

func write(ctx context.Context, s sinks.Sink, o Options, withManifest bool) (*snapshot.Manifest, error) {
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	o.Time = o.Time.UTC().Truncate(time.Second)
	if o.ID == "" {
		o.ID = snapshot.NewID(o.Time)
	}
	if o.GTIDSet == "" {
		o.GTIDSet = "0-1-100"
	}
	if o.Schemas == nil {
		o.Schemas = Shop()
	}
	enc := o.Key != nil
	m := &snapshot.Manifest{
		FormatVersion: snapshot.FormatVersion, ID: o.ID, Tool: "pilotlight snapshottest",
		Source:  snapshot.Source{Flavor: "mariadb", Version: "10.11.19-MariaDB", ServerID: 1, Host: "127.0.0.1:3306"},
		GTIDSet: o.GTIDSet, BinlogFile: "binlog.000002", BinlogPos: 4242,
		Consistency: snapshot.MethodFlushLock, Started: o.Time, Finished: o.Time.Add(3 * time.Second),
		Threads: 2, Compression: "zstd",
	}
	if enc {
		m.Encryption = &snapshot.Crypto{Algorithm: seal.Algorithm, KeyID: o.Key.ID()}
	}
	w := &objWriter{ctx: ctx, s: s, dir: snapshot.Dir(o.ID), key: o.Key}
	for _, sc := range o.Schemas {
		ms := snapshot.Schema{Name: sc.Name}
		var err error
		create := header("") + "CREATE DATABASE IF NOT EXISTS " + quote(sc.Name) + " /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\n"
		if ms.Create, err = w.put(snapshot.SchemaKey(sc.Name, enc), create); err != nil {
			return nil, err
		}
		for _, t := range sc.Tables {
			mt := snapshot.Table{Name: t.Name, Key: t.Key}
			if mt.Create, err = w.put(snapshot.TableKey(sc.Name, t.Name, enc), header(sc.Name)+"DROP TABLE IF EXISTS "+quote(t.Name)+";\n"+t.Create+";\n"); err != nil {
				return nil, err
			}
			for i, rows := range t.Chunks {
				sql := header(sc.Name)
				if len(rows) > 0 {
					sql += "INSERT INTO " + quote(t.Name) + " VALUES\n" + join(rows) + ";\n"
				}
				f, err := w.put(snapshot.ChunkKey(sc.Name, t.Name, i+1, enc), sql)
				if err != nil {
					return nil, err
				}
				mt.Chunks = append(mt.Chunks, snapshot.Chunk{File: f, Rows: int64(len(rows))})
				mt.Rows += int64(len(rows))
			}
			ms.Tables = append(ms.Tables, mt)
		}
		if sc.Objects != "" {
			f, err := w.put(snapshot.ObjectsKey(sc.Name, enc), header(sc.Name)+sc.Objects)
			if err != nil {
				return nil, err
			}
			ms.Objects = &f
		}
		m.Schemas = append(m.Schemas, ms)
	}
	if !withManifest {
		return m, nil
	}
	data, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	if _, err := s.Put(ctx, snapshot.ManifestKey(o.ID), bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("put manifest: %w", err)
	}
	return m, nil
}

func join(rows []string) string {
	var b bytes.Buffer
	for i, r := range rows {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(r)
	}
	return b.String()
}

// objWriter compresses, seals and stores objects.
type objWriter struct {
	ctx context.Context
	s   sinks.Sink
	dir string
	key *seal.Key
}

func (w *objWriter) put(key, sql string) (snapshot.File, error) {
	var stored bytes.Buffer
	var dst io.Writer = &stored
	var sealer io.WriteCloser
	if w.key != nil {
		var err error
		if sealer, err = seal.NewWriter(&stored, *w.key); err != nil {
			return snapshot.File{}, err
		}
		dst = sealer
	}
	zw, err := zstd.NewWriter(dst, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(true))
	if err != nil {
		return snapshot.File{}, err
	}
	if _, err := io.WriteString(zw, sql); err != nil {
		return snapshot.File{}, err
	}
	if err := zw.Close(); err != nil {
		return snapshot.File{}, err
	}
	if sealer != nil {
		if err := sealer.Close(); err != nil {
			return snapshot.File{}, err
		}
	}
	obj, err := w.s.Put(w.ctx, w.dir+key, &stored)
	if err != nil {
		return snapshot.File{}, fmt.Errorf("put %s: %w", key, err)
	}
	return snapshot.File{Key: key, RawBytes: int64(len(sql)), Bytes: obj.Size, SHA256: obj.SHA256}, nil
}

// Rewrite replaces the stored bytes of key with edit(bytes), through the
// sink, so that the sink's own checksum agrees and only the manifest can
// tell (a corruption test's tool).
func Rewrite(t testing.TB, s sinks.Sink, key string, edit func([]byte) []byte) {
	t.Helper()
	ctx := context.Background()
	rc, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, key, bytes.NewReader(edit(b))); err != nil {
		t.Fatal(err)
	}
}
