package snapshot

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"strings"
)

// dataHeader starts every data object, so that each one loads by itself
// with the stock client: exact bytes (NAMES binary, as the workers read
// them), UTC for TIMESTAMP, no foreign key or unique checks during the load,
// and a zero in an AUTO_INCREMENT column stays zero.
const dataHeader = "/*!40101 SET NAMES binary*/;\n" +
	"/*!40014 SET FOREIGN_KEY_CHECKS=0, UNIQUE_CHECKS=0*/;\n" +
	"/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO'*/;\n" +
	"/*!40103 SET TIME_ZONE='+00:00'*/;\n"

// maxStatement is the size at which an INSERT is ended and a new one begun:
// far below the servers' default max_allowed_packet (16 MiB on MariaDB,
// 64 MiB on MySQL 8), large enough that statement overhead does not matter.
const maxStatement = 1 << 20

// chunkJob is one key range of a table for a worker to dump.
type chunkJob struct {
	table    *tableInfo
	n        int      // chunk number, from 1
	from, to []string // key literals: exclusive lower, inclusive upper; nil: unbounded
}

// where is the chunk's key range as a WHERE clause ("" for the whole table).
func (j chunkJob) where() string {
	var parts []string
	if j.from != nil {
		parts = append(parts, keyCompare(j.table.key, j.from, ">"))
	}
	if j.to != nil {
		parts = append(parts, keyCompare(j.table.key, j.to, "<="))
	}
	if len(parts) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(parts, " AND ")
}

// keyCompare writes (k1,k2,..) op (v1,v2,..) for op > or <= in the expanded
// form (k1 > v1 OR (k1 = v1 AND k2 > v2) ...), which every optimizer turns
// into an index range; row constructors are not always.
func keyCompare(key []column, vals []string, op string) string {
	strict := ">"
	if op == "<=" {
		strict = "<"
	}
	var ors []string
	for i := range key {
		var ands []string
		for k := 0; k < i; k++ {
			ands = append(ands, quoteIdent(key[k].name)+" = "+vals[k])
		}
		o := strict
		if i == len(key)-1 {
			o = op
		}
		ands = append(ands, quoteIdent(key[i].name)+" "+o+" "+vals[i])
		ors = append(ors, strings.Join(ands, " AND "))
	}
	if len(ors) == 1 {
		return ors[0]
	}
	return "((" + strings.Join(ors, ") OR (") + "))"
}

// keyLiteral writes a key value read as bytes as a literal that compares in
// the column's own collation: character columns get their character set as
// introducer (a bare literal under NAMES binary would compare as bytes, in
// another order than the index the ranges were cut on).
func keyLiteral(c column, v []byte) string {
	b := appendValue(nil, v, c.kind())
	if c.kind() == kindQuoted && c.charset != "" && c.charset != "binary" {
		return "_" + c.charset + string(b)
	}
	return string(b)
}

// columnList is "(`a`,`b`)" of the stored columns.
func columnList(cols []column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quoteIdent(c.name)
	}
	return strings.Join(names, ",")
}

// selectList reads the columns so that their text means exactly the stored
// value. FLOAT is the exception to reading a column as is: the server prints
// it with 6 significant digits, which does not round-trip (3.4028234e38 comes
// out as 3.40282e+38), so it is widened to DOUBLE, which is exact and printed
// with as many digits as it takes, and which a load narrows back to the same
// FLOAT.
func selectList(cols []column) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = quoteIdent(c.name)
		if c.dataType == "float" {
			out[i] = "CAST(" + out[i] + " AS DOUBLE)"
		}
	}
	return strings.Join(out, ",")
}

// dumpChunk streams the rows of job through w as INSERT statements and
// returns the number of rows and their digest.
func dumpChunk(ctx context.Context, c *sql.Conn, job chunkJob, w *bufio.Writer, onRows func(rows, raw int64)) (int64, string, error) {
	t := job.table
	if _, err := w.WriteString(dataHeader + "USE " + quoteIdent(t.schema) + ";\n"); err != nil {
		return 0, "", err
	}
	cols := columnList(t.columns)
	q := "SELECT " + selectList(t.columns) + " FROM " + t.qualified() + job.where()
	if len(t.key) > 0 {
		q += " ORDER BY " + columnList(t.key)
	}
	kinds := make([]int, len(t.columns))
	for i, col := range t.columns {
		kinds[i] = col.kind()
	}
	iw := newInsertWriter(w, "INSERT INTO "+quoteIdent(t.name)+" ("+cols+") VALUES\n", kinds, onRows)
	if err := queryRaw(ctx, c, q, iw.add); err != nil {
		return iw.rows, "", fmt.Errorf("read %s: %w", t.qualified(), explainRead(err))
	}
	return iw.rows, iw.digest.String(), iw.flush()
}

// planChunks cuts table t into key ranges of about chunkSize bytes and sends
// them to jobs. An integer key is cut by value between MIN and MAX (two index
// dives); any other key by walking it, one index probe per boundary. Tables
// without a usable key, or smaller than one chunk, are one job. The first
// range is unbounded below and the last above, so rows outside the values
// seen here are dumped too.
func planChunks(ctx context.Context, db *sql.DB, t *tableInfo, chunkSize int64, emit func(chunkJob) error) error {
	pieces := (t.dataLength + chunkSize - 1) / chunkSize
	if len(t.key) == 0 || pieces <= 1 {
		return emit(chunkJob{table: t, n: 1})
	}
	if t.intKey() {
		return planIntRanges(ctx, db, t, pieces, emit)
	}
	return planWalk(ctx, db, t, chunkSize, emit)
}

func planIntRanges(ctx context.Context, db *sql.DB, t *tableInfo, pieces int64, emit func(chunkJob) error) error {
	k := quoteIdent(t.key[0].name)
	var lo, hi sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT MIN("+k+"), MAX("+k+") FROM "+t.qualified()).Scan(&lo, &hi); err != nil {
		return fmt.Errorf("key range of %s: %w", t.qualified(), err)
	}
	if !lo.Valid {
		return emit(chunkJob{table: t, n: 1})
	}
	min, ok1 := new(big.Int).SetString(lo.String, 10)
	max, ok2 := new(big.Int).SetString(hi.String, 10)
	if !ok1 || !ok2 {
		return emit(chunkJob{table: t, n: 1})
	}
	span := new(big.Int).Sub(max, min)
	span.Add(span, big.NewInt(1))
	step := new(big.Int).Div(span, big.NewInt(pieces))
	if step.Sign() == 0 {
		step.SetInt64(1)
	}
	var prev []string
	bound := new(big.Int).Set(min)
	for n := 1; ; n++ {
		bound.Add(bound, step)
		if bound.Cmp(max) >= 0 || int64(n) >= pieces {
			return emit(chunkJob{table: t, n: n, from: prev})
		}
		to := []string{new(big.Int).Sub(bound, big.NewInt(1)).String()}
		if err := emit(chunkJob{table: t, n: n, from: prev, to: to}); err != nil {
			return err
		}
		prev = to
	}
}

func planWalk(ctx context.Context, db *sql.DB, t *tableInfo, chunkSize int64, emit func(chunkJob) error) error {
	perRow := int64(100)
	if t.rowsEstimate > 0 && t.dataLength > 0 {
		perRow = max(1, t.dataLength/t.rowsEstimate)
	}
	step := max(1, chunkSize/perRow)
	c, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cut %s into chunks: %w", t.qualified(), err)
	}
	defer discard(c)
	if _, err := c.ExecContext(ctx, "SET NAMES binary"); err != nil {
		return fmt.Errorf("cut %s into chunks: %w", t.qualified(), err)
	}
	keys := columnList(t.key)
	vals := make([]sql.RawBytes, len(t.key))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var prev []string
	for n := 1; ; n++ {
		q := "SELECT " + keys + " FROM " + t.qualified()
		if prev != nil {
			q += " WHERE " + keyCompare(t.key, prev, ">")
		}
		q += fmt.Sprintf(" ORDER BY %s LIMIT 1 OFFSET %d", keys, step-1)
		rows, err := c.QueryContext(ctx, q)
		if err != nil {
			return fmt.Errorf("cut %s into chunks: %w", t.qualified(), err)
		}
		if !rows.Next() {
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("cut %s into chunks: %w", t.qualified(), err)
			}
			return emit(chunkJob{table: t, n: n, from: prev})
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return fmt.Errorf("cut %s into chunks: %w", t.qualified(), err)
		}
		to := make([]string, len(vals))
		for i, v := range vals {
			to[i] = keyLiteral(t.key[i], v)
		}
		rows.Close()
		if err := emit(chunkJob{table: t, n: n, from: prev, to: to}); err != nil {
			return err
		}
		prev = to
	}
}
