package snapshot

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// insertWriter turns rows into INSERT statements of about maxStatement
// bytes, one row per line.
type insertWriter struct {
	w      *bufio.Writer
	digest rowDigest // of every row written
	head   string
	kinds  []int
	stmt   []byte
	rows   int64 // rows written in all
	batch  int64 // rows in stmt
	onRows func(rows, raw int64)
}

func newInsertWriter(w *bufio.Writer, head string, kinds []int, onRows func(rows, raw int64)) *insertWriter {
	return &insertWriter{w: w, head: head, kinds: kinds, stmt: make([]byte, 0, maxStatement+64<<10), onRows: onRows}
}

// add appends one row, as the driver returned it.
func (iw *insertWriter) add(vals []driver.Value) error {
	if len(iw.stmt) == 0 {
		iw.stmt = append(iw.stmt, iw.head...)
	} else {
		iw.stmt = append(iw.stmt, ",\n"...)
	}
	start := len(iw.stmt)
	iw.stmt = append(iw.stmt, '(')
	for i, v := range vals {
		if i > 0 {
			iw.stmt = append(iw.stmt, ',')
		}
		switch x := v.(type) {
		case nil:
			iw.stmt = append(iw.stmt, "NULL"...)
		case []byte:
			iw.stmt = appendValue(iw.stmt, x, iw.kinds[i])
		// The driver parses integer and floating-point columns of the text
		// protocol; the shortest round-trip form of a float64 is exact.
		case int64:
			iw.stmt = strconv.AppendInt(iw.stmt, x, 10)
		case uint64:
			iw.stmt = strconv.AppendUint(iw.stmt, x, 10)
		case float64:
			iw.stmt = appendFloat(iw.stmt, x)
		case float32:
			iw.stmt = strconv.AppendFloat(iw.stmt, float64(x), 'g', -1, 32)
		default:
			return fmt.Errorf("unexpected %T value from the driver in column %d", v, i+1)
		}
	}
	iw.stmt = append(iw.stmt, ')')
	iw.digest.add(iw.stmt[start:])
	iw.rows++
	iw.batch++
	if len(iw.stmt) >= maxStatement {
		return iw.flush()
	}
	return nil
}

// appendFloat writes x so that the server reads back the same double: the
// shortest round-trip digits, and a negative zero as -0e0 (a plain "-0"
// would be the integer zero).
func appendFloat(b []byte, x float64) []byte {
	if x == 0 && math.Signbit(x) {
		return append(b, "-0e0"...)
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

// flush ends the statement in progress and writes it.
func (iw *insertWriter) flush() error {
	if len(iw.stmt) == 0 {
		return nil
	}
	iw.stmt = append(iw.stmt, ";\n"...)
	_, err := iw.w.Write(iw.stmt)
	iw.onRows(iw.batch, int64(len(iw.stmt)))
	iw.stmt, iw.batch = iw.stmt[:0], 0
	return err
}

// queryRaw runs q on c and calls fn with each row straight from the driver,
// without database/sql's per-row conversion and locking: the values are the
// driver's own buffers, valid only until fn returns.
func queryRaw(ctx context.Context, c *sql.Conn, q string, fn func([]driver.Value) error) error {
	return c.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return errors.New("the MySQL driver cannot run queries directly")
		}
		rows, err := qc.QueryContext(ctx, q, nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := make([]driver.Value, len(rows.Columns()))
		for {
			if err := rows.Next(dest); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
			if err := fn(dest); err != nil {
				return err
			}
		}
	})
}
