package binlog

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// dbUnknown is executor.currentDB when the session's default database is not known: after
// a statement that may have dropped it (DROP DATABASE of the current one leaves the
// session without any).
const dbUnknown = "\x00unknown"

// useDB gives the exclusive session the default database a statement ran with on
// the source, so that unqualified names resolve as they did there. A native
// replica's SQL thread sets the name without checking that the database exists; a
// client session cannot, so:
//
//   - noUse (CREATE/DROP DATABASE) or no logged database: the statement runs with
//     none, as it names what it changes;
//   - a database the standby does not have (not created yet, or dropped earlier in
//     the stream while another session on the source still had it selected): the
//     statement runs with none too. Whatever it names explicitly works; an
//     unqualified name fails with "no database selected", as it must, since the
//     standby then really lacks that database.
//
// A session cannot leave its default database, so "none" after another one means a
// new session (rare: DDL only).
func (x *executor) useDB(ctx context.Context, schema string, noUse bool) error {
	if noUse {
		schema = ""
	}
	if schema == x.currentDB {
		return nil
	}
	if schema != "" {
		_, err := x.exec(ctx, "USE "+quoteIdent(schema))
		if err == nil {
			x.currentDB = schema
			return nil
		}
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1049 { // ER_BAD_DB_ERROR
			return fmt.Errorf("USE %s: %w", quoteIdent(schema), err)
		}
		if x.currentDB == "" {
			return nil
		}
	}
	x.reset()
	return x.ensure(ctx)
}

// inContext runs sql in the session context the source logged with it, then
// puts the session back in the applier's own settings. If that fails the
// session is dropped (a new one starts with them).
func (x *executor) inContext(ctx context.Context, sc SessionContext, flavor mysqlx.Flavor, sql string) error {
	set, restore := sc.contextSQL(flavor, func(id uint16) string { return x.charsetOf(ctx, id) })
	if set != "" {
		if _, err := x.exec(ctx, set); err != nil {
			return fmt.Errorf("set the statement's session context (%s): %w", set, err)
		}
	}
	_, err := x.exec(ctx, sql)
	if restore != "" {
		if _, rerr := x.exec(ctx, restore); rerr != nil {
			db := x.currentDB
			x.reset()
			if eerr := x.ensure(ctx); eerr != nil && err == nil {
				err = eerr
			}
			if err == nil && db != "" && db != dbUnknown {
				err = x.useDB(ctx, db, false)
			}
		}
	}
	return err
}

// charsetOf is the character set of collation id on the standby ("" when it
// cannot say: the number is then used as it is), cached for the session's life.
func (x *executor) charsetOf(ctx context.Context, id uint16) string {
	if name, ok := x.charsets[id]; ok {
		return name
	}
	var name string
	err := x.conn.QueryRowContext(ctx, "SELECT CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE ID = ?", id).Scan(&name)
	if err != nil {
		// MariaDB 10.10+ lists its UCA 14.0.0 collations (ids above 2047) only here.
		err = x.conn.QueryRowContext(ctx, "SELECT CHARACTER_SET_NAME FROM "+
			"information_schema.COLLATION_CHARACTER_SET_APPLICABILITY WHERE ID = ?", id).Scan(&name)
	}
	if err != nil {
		return ""
	}
	if x.charsets == nil {
		x.charsets = map[uint16]string{}
	}
	x.charsets[id] = name
	return name
}
