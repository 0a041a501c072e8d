package snapshot

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
)

// digestPrefix names the digest's kind in Chunk.Digest.
const digestPrefix = "rows-sha256-sum:"

// rowDigest is an order-independent digest of a multiset of rows: the sum,
// lane by lane modulo 2^64, of the SHA-256 of each row's literal as the
// snapshot writes it ("(1,'a',NULL)"). Order-independent, because a table
// without a key is read in no particular order; a sum, not a XOR, so that two
// equal rows do not cancel out.
type rowDigest struct{ lanes [4]uint64 }

func (d *rowDigest) add(row []byte) {
	h := sha256.Sum256(row)
	for i := range d.lanes {
		d.lanes[i] += binary.BigEndian.Uint64(h[i*8:])
	}
}

func (d *rowDigest) String() string {
	var b [32]byte
	for i, l := range d.lanes {
		binary.BigEndian.PutUint64(b[i*8:], l)
	}
	return digestPrefix + hex.EncodeToString(b[:])
}

// ChunkDigests reads the rows of each of chunks of table schema.table from the
// server behind db (a restored copy), as the snapshot read them from its
// source, and returns each chunk's digest (comparable with Chunk.Digest) and
// row count. The table must have the definition it had in the snapshot: its
// key, in particular, must be the one the chunks were cut on (keyCols,
// Table.Key).
func ChunkDigests(ctx context.Context, db *sql.DB, schema, table string, keyCols []string, chunks []Chunk) ([]string, []int64, error) {
	t := &tableInfo{schema: schema, name: table}
	if err := describeColumns(ctx, db, []*tableInfo{t}); err != nil {
		return nil, nil, err
	}
	if err := describeKeys(ctx, db, []*tableInfo{t}); err != nil {
		return nil, nil, err
	}
	if have := keyNames(t); len(chunks) > 1 && !slices.Equal(have, keyCols) {
		return nil, nil, fmt.Errorf("%s: its key here is %v, the snapshot's chunks were cut on %v", t.qualified(), have, keyCols)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	// Read the bytes as the snapshot did: no character set conversion, UTC
	// TIMESTAMPs (sessionSetup). The session goes back to the pool as it is:
	// NAMES binary and UTC only change how values read, not what is stored.
	for _, q := range sessionSetup[:2] {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return nil, nil, fmt.Errorf("set up a verify session: %w", err)
		}
	}
	kinds := make([]int, len(t.columns))
	for i, col := range t.columns {
		kinds[i] = col.kind()
	}
	digests, rows := make([]string, len(chunks)), make([]int64, len(chunks))
	for i, c := range chunks {
		iw := newInsertWriter(bufio.NewWriter(io.Discard), "", kinds, func(int64, int64) {})
		q := "SELECT " + selectList(t.columns) + " FROM " + t.qualified() + chunkJob{table: t, from: c.From, to: c.To}.where()
		if err := queryRaw(ctx, conn, q, iw.add); err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", t.qualified(), err)
		}
		digests[i], rows[i] = iw.digest.String(), iw.rows
	}
	return digests, rows, nil
}
