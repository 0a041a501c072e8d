package binlog

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"strings"

	"github.com/shopspring/decimal"
)

// stmt is one statement of a planned transaction, with the number of rows it must
// affect (found rows, see ApplierDriverConfig); want < 0 accepts any count.
type stmt struct {
	sql  string
	args []any // non-nil: run as a prepared statement (a value too large as hex text)
	want int64
	// what the statement changes, for error messages
	gtid  string // set by the executor
	table string
	kind  RowsKind
	row   int // 1-based row of the event
}

func (s stmt) describe() string {
	if s.table == "" {
		return fmt.Sprintf("statement %.120q", s.sql)
	}
	return fmt.Sprintf("%s of %s row %d", s.kind, s.table, s.row)
}

// sqlBuf builds one statement either as text with every value inline (the normal
// case: many statements travel in one round trip) or, when params is set, with
// placeholders and arguments for a server-side prepared statement.
type sqlBuf struct {
	b      []byte
	args   []any
	params bool
}

func (w *sqlBuf) str(s string) { w.b = append(w.b, s...) }

func (w *sqlBuf) value(c boundColumn, row []any) error {
	if c.index >= len(row) {
		return fmt.Errorf("row image has %d values, column %s is #%d", len(row), c.target.name, c.index+1)
	}
	v, err := driverArg(c.meta, c.binary, row[c.index])
	if err != nil {
		return err
	}
	if !w.params {
		w.b, err = appendLiteral(w.b, c.target, v)
		return err
	}
	w.str(placeholder(c.target))
	if v != nil && reinterpreted(c.target) {
		switch x := v.(type) {
		case string:
			v = hex.EncodeToString([]byte(x))
		case []byte:
			v = hex.EncodeToString(x)
		}
	}
	w.args = append(w.args, v)
	return nil
}

// insertRows writes every writable column of the after images, several rows in one
// INSERT (the caller bounds how many).
func (w *sqlBuf) insertRows(name string, cols []boundColumn, rows [][]any) error {
	w.str("INSERT INTO " + name + " (")
	for i, c := range cols {
		if i > 0 {
			w.str(", ")
		}
		w.str(quoteIdent(c.target.name))
	}
	w.str(") VALUES ")
	for r, row := range rows {
		if r > 0 {
			w.str(", ")
		}
		if err := w.tuple(cols, row); err != nil {
			return err
		}
	}
	return nil
}

// tuple writes one row's values as (v1, v2, ...).
func (w *sqlBuf) tuple(cols []boundColumn, row []any) error {
	w.str("(")
	for i, c := range cols {
		if i > 0 {
			w.str(", ")
		}
		if err := w.value(c, row); err != nil {
			return err
		}
	}
	w.str(")")
	return nil
}

// update sets the writable columns whose value changed to the after image, on the
// one row that matches the before image's key. With a primary key, the row found is
// the source's row and the columns left out already hold their value; without one,
// every column is matched, so the same holds. An ON UPDATE CURRENT_TIMESTAMP column
// is always set (to its unchanged value if need be): left out, the standby would
// stamp the row with its own clock. An update that changed nothing still sets one
// column to itself, so that the row is found and counted.
func (w *sqlBuf) update(name string, cols []boundColumn, hasPK bool, before, after []any) error {
	w.str("UPDATE " + name + " SET ")
	n := 0
	for _, c := range cols {
		if !c.target.onUpdate && c.index < len(before) && c.index < len(after) && sameValue(before[c.index], after[c.index]) {
			continue
		}
		if n > 0 {
			w.str(", ")
		}
		w.str(quoteIdent(c.target.name) + " = ")
		if err := w.value(c, after); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		w.str(quoteIdent(cols[0].target.name) + " = " + quoteIdent(cols[0].target.name))
	}
	w.str(" WHERE ")
	if err := w.keyMatch(cols, hasPK, before); err != nil {
		return err
	}
	w.str(" LIMIT 1")
	return nil
}

// delete deletes the one row that matches the before image's key (any one row
// when every column is generated: they are all alike).
func (w *sqlBuf) delete(name string, cols []boundColumn, hasPK bool, before []any) error {
	if len(cols) == 0 {
		w.str("DELETE FROM " + name + " LIMIT 1")
		return nil
	}
	w.str("DELETE FROM " + name + " WHERE ")
	if err := w.keyMatch(cols, hasPK, before); err != nil {
		return err
	}
	w.str(" LIMIT 1")
	return nil
}

// keyMatch is the WHERE clause that finds a row: its primary key when the standby
// table has one, else every writable column compared NULL-safely (<=>), which with
// LIMIT 1 picks exactly one of several identical rows.
func (w *sqlBuf) keyMatch(cols []boundColumn, hasPK bool, row []any) error {
	n := 0
	for _, c := range cols {
		if hasPK && !c.target.primary {
			continue
		}
		if n > 0 {
			w.str(" AND ")
		}
		w.str(quoteIdent(c.target.name) + " <=> ")
		if err := w.value(c, row); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no key column in the row image")
	}
	return nil
}

// reinterpreted reports whether a column's values travel as hex text in a prepared
// statement. Parameters arrive in the connection's character set (utf8mb4) and the
// server checks them, while go-mysql hands over a character column's bytes in the
// column's own character set: for a character set other than utf8mb4 and its
// subsets, the bytes go as hex and are reinterpreted (not converted) in the column's
// character set and collation.
func reinterpreted(c standbyColumn) bool {
	switch c.dataType {
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext":
	default:
		return false // ENUM and SET travel as numbers
	}
	switch strings.ToLower(c.charset) {
	case "", "binary", "utf8mb4", "utf8mb3", "utf8", "ascii":
		return false
	}
	return true
}

// placeholder is the parameter expression for a column (see reinterpreted).
func placeholder(c standbyColumn) string {
	if reinterpreted(c) {
		return "CONVERT(UNHEX(?) USING " + c.charset + ") COLLATE " + c.collation
	}
	return "?"
}

// sameValue reports whether two decoded values of one column are identical (same
// Go type and bytes); anything it cannot compare counts as changed.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case decimal.Decimal:
		y, ok := b.(decimal.Decimal)
		return ok && x.String() == y.String()
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64:
		return a == b
	}
	return false
}
