package binlog

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
)

// reinterpreted reports whether a column's values travel as hex text. Parameters
// arrive in the connection's character set (utf8mb4) and the server checks them,
// while go-mysql hands over a character column's bytes in the column's own character
// set: for a character set other than utf8mb4 and its subsets, the bytes go as hex
// and are reinterpreted (not converted) in the column's character set and collation.
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

// rowStmt is one statement with its arguments for one row change.
type rowStmt struct {
	sql  string
	args []any
}

// buildInsert writes every writable column of the after image.
func buildInsert(name string, cols []boundColumn, row []any) (rowStmt, error) {
	var names, marks []string
	args := make([]any, 0, len(cols))
	for _, c := range cols {
		v, err := columnArg(c, row)
		if err != nil {
			return rowStmt{}, err
		}
		names = append(names, quoteIdent(c.target.name))
		marks = append(marks, placeholder(c.target))
		args = append(args, v)
	}
	return rowStmt{sql: "INSERT INTO " + name + " (" + strings.Join(names, ", ") + ") VALUES (" +
		strings.Join(marks, ", ") + ")", args: args}, nil
}

// buildUpdate sets every writable column to the after image on the one row that
// matches the before image's key.
func buildUpdate(name string, cols []boundColumn, hasPK bool, before, after []any) (rowStmt, error) {
	var sets []string
	var args []any
	for _, c := range cols {
		v, err := columnArg(c, after)
		if err != nil {
			return rowStmt{}, err
		}
		sets = append(sets, quoteIdent(c.target.name)+" = "+placeholder(c.target))
		args = append(args, v)
	}
	where, wargs, err := keyMatch(cols, hasPK, before)
	if err != nil {
		return rowStmt{}, err
	}
	return rowStmt{sql: "UPDATE " + name + " SET " + strings.Join(sets, ", ") + " WHERE " + where + " LIMIT 1",
		args: append(args, wargs...)}, nil
}

// buildDelete deletes the one row that matches the before image's key.
func buildDelete(name string, cols []boundColumn, hasPK bool, before []any) (rowStmt, error) {
	where, args, err := keyMatch(cols, hasPK, before)
	if err != nil {
		return rowStmt{}, err
	}
	return rowStmt{sql: "DELETE FROM " + name + " WHERE " + where + " LIMIT 1", args: args}, nil
}

// keyMatch is the WHERE clause that finds a row: its primary key when the standby
// table has one, else every writable column compared NULL-safely (<=>), which with
// LIMIT 1 picks exactly one of several identical rows.
func keyMatch(cols []boundColumn, hasPK bool, row []any) (string, []any, error) {
	var conds []string
	var args []any
	for _, c := range cols {
		if hasPK && !c.target.primary {
			continue
		}
		v, err := columnArg(c, row)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, quoteIdent(c.target.name)+" <=> "+placeholder(c.target))
		args = append(args, v)
	}
	if len(conds) == 0 {
		return "", nil, fmt.Errorf("no key column in the row image")
	}
	return strings.Join(conds, " AND "), args, nil
}

func columnArg(c boundColumn, row []any) (any, error) {
	if c.index >= len(row) {
		return nil, fmt.Errorf("row image has %d values, column %s is #%d", len(row), c.target.name, c.index+1)
	}
	v, err := driverArg(c.meta, c.binary, row[c.index])
	if err != nil || v == nil || !reinterpreted(c.target) {
		return v, err
	}
	switch x := v.(type) {
	case string:
		return hex.EncodeToString([]byte(x)), nil
	case []byte:
		return hex.EncodeToString(x), nil
	}
	return nil, fmt.Errorf("%w: column %s in %s: Go %T", ErrUnsupportedValue, c.target.name, c.target.charset, v)
}

// execOne runs a row statement and requires that it found exactly one row; anything
// else means the standby diverged from the source, which is never skipped. UPDATE
// counts found rows only when the connection has clientFoundRows=true (see
// ApplierDriverConfig): an UPDATE to identical values changes 0 rows but finds 1.
func execOne(ctx context.Context, tx *sql.Tx, st rowStmt, what string) error {
	res, err := tx.ExecContext(ctx, st.sql, st.args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: rows affected: %w", what, err)
	}
	if n != 1 {
		return fmt.Errorf("%s: %w: %d rows affected, want 1", what, ErrDiverged, n)
	}
	return nil
}
