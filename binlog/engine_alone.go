package binlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/binlog/statement"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// exclusive switches the open transaction to the exclusive session: every batch in
// flight commits first, then the transaction opens there and what was planned of it
// so far is sent. DDL, transactions larger than LargeTxnBytes and the serial retry
// run this way, one at a time, streamed as they arrive.
func (c *coordinator) exclusive() error {
	if err := c.drain(); err != nil {
		return err
	}
	if err := c.x.ensure(c.io); err != nil {
		return err
	}
	o := c.open
	o.exclusive, o.t.alone, o.t.keys = true, true, nil
	c.x.startTxn()
	o.unsent = o.t.bytes
	return c.sendExclusive(o)
}

// sendExclusive sends the planned statements of o, applied exclusively.
func (c *coordinator) sendExclusive(o *openTxn) error {
	t := o.t
	if len(t.stmts) == 0 {
		return nil
	}
	err := c.x.run(c.io, []*txn{t}, c.serial)
	t.stmts, o.unsent = t.stmts[:0], 0
	return err
}

// ddl runs a statement the source logged as text (DDL, account management) on the
// exclusive session, in the source's session context and default database, after
// rewriting the statements that must not act on a standby as they did on the
// primary (triggers and events are held, see statement.HoldTrigger and
// statement.HoldEvent). DDL commits by itself, so the checkpoint cannot travel
// with it. Instead, first the checkpoint records the statement's GTID as pending
// (in its own small commit), then the statement runs, then the checkpoint moves
// over the transaction and clears the mark. After a crash between the last two,
// the restarted applier finds the mark: if the statement then fails with an error
// meaning "already done" (the table exists, the column is gone...), it was applied
// before the crash, which atomic DDL (MariaDB 10.6+, MySQL 8) makes all or
// nothing, and the checkpoint just follows.
func (c *coordinator) ddl(e Query, st statement.Statement) error {
	t := c.open.t
	sql, err := standbyForm(e, st)
	if err != nil {
		return fmt.Errorf("apply transaction %s: %w", t.gtid, err)
	}
	c.x.rollback(c.io) // nothing was sent: the statement is the transaction's first
	wasPending := c.pending == t.gtid
	if !wasPending {
		mv := checkpointMove{from: c.planned, to: c.planned, token: c.a.token, pendingDDL: t.gtid}
		if err := c.commitMove(c.x, mv); err != nil {
			return fmt.Errorf("apply transaction %s: mark DDL as pending: %w", t.gtid, err)
		}
		c.pending = t.gtid
	}
	// ALTER DATABASE without a name changes the default database, which the
	// event names even when it asks not to select it.
	noUse := e.NoUse && !(st.Kind == statement.Database && st.Name == "")
	if err := c.x.useDB(c.io, e.Schema, noUse); err != nil {
		return fmt.Errorf("apply transaction %s: %w", t.gtid, err)
	}
	err = c.x.inContext(c.io, e.Context, c.a.flavor, sql)
	if mysqlErrno(err) == 1051 && e.ErrorCode == 0 { // ER_BAD_TABLE_ERROR
		// MariaDB logs a DROP TABLE that failed for tables the primary did not
		// have either (naming them, error code 0); its replicas run DDL
		// idempotently by default. Dropping what exists leaves both sides alike.
		if again, ok := statement.DropIfExists(sql); ok {
			c.log.Info("DROP TABLE names a table the standby lacks, as the primary did: dropping the others",
				slog.String("gtid", t.gtid), slog.String("statement", truncate(sql, 200)), slog.String("error", err.Error()))
			err = c.x.inContext(c.io, e.Context, c.a.flavor, again)
		}
	}
	err = expectedError(err, e)
	if st.Kind == statement.Database && strings.HasPrefix(st.Verb, "DROP") {
		c.x.currentDB = dbUnknown // dropping the current database leaves the session without one
	}
	c.plan.forget()
	switch {
	case err == nil:
	case wasPending && alreadyDone(err, st):
		c.log.Info("statement was applied before a restart; its checkpoint follows now", slog.String("gtid", t.gtid),
			slog.String("statement", truncate(statement.Redact(e.SQL), 200)), slog.String("error", err.Error()))
	case st.Kind == statement.Account && (deniedError(err) || mysqlErrno(err) == 1410): // 1410: may not create a user with GRANT
		return accountRefusedError(context.WithoutCancel(c.io), c.a.db, t.gtid, e.SQL, err)
	default:
		return fmt.Errorf("apply transaction %s: statement %.200q: %w", t.gtid, statement.Redact(e.SQL), err)
	}
	c.x.startTxn() // rows after the DDL (CREATE ... SELECT) and the checkpoint go in a new transaction
	return nil
}

// expectedError applies the source's logged error code: a statement the source
// logged although it failed part-way must fail the same way on the standby (as a
// native replica requires); succeeding there means the two held different data.
func expectedError(err error, e Query) error {
	switch {
	case e.ErrorCode == 0:
		return err
	case err == nil:
		return fmt.Errorf("%w: statement %.200q failed on the primary with error %d but succeeded on the standby, "+
			"so the two held different data before it", ErrDiverged, statement.Redact(e.SQL), e.ErrorCode)
	case mysqlErrno(err) == e.ErrorCode:
		return nil // the same partial failure as on the primary
	}
	return err
}

// standbyForm is the statement as the standby must run it: run by the account
// that ran it on the primary where that matters (statement.AsInvoker), without
// the primary host's DATA/INDEX DIRECTORY paths, a trigger held, an event
// disabled on the standby; anything else as logged.
func standbyForm(e Query, st statement.Statement) (string, error) {
	sql := e.SQL
	if e.Context.InvokerUser != "" {
		sql = statement.AsInvoker(sql, statement.QuoteAccount(e.Context.InvokerUser, e.Context.InvokerHost))
	}
	sql, _ = statement.WithoutDirectories(sql)
	switch st.Kind {
	case statement.Trigger:
		held, _, ok := statement.HoldTrigger(sql)
		if !ok {
			return "", fmt.Errorf("%w: cannot read the header of %.120q, so the trigger cannot be held on the standby "+
				"(its effects would be applied twice)", ErrUnsupportedEvent, sql)
		}
		return held, nil
	case statement.Event:
		held, _, _ := statement.HoldEvent(sql, "SLAVE")
		return held, nil
	}
	return sql, nil
}

// alreadyDone reports whether a statement's error means its effect is already
// there.
func alreadyDone(err error, st statement.Statement) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case 1007, 1008, // database exists / does not
		1050, 1051, 1146, // table exists / unknown / does not exist
		1054, 1060, 1061, 1091, // unknown column, duplicate column, duplicate key name, cannot drop
		1304, 1305, 1359, 1360, 1537, 1539, // routine, trigger, event exists / does not
		1826, 4031: // duplicate foreign key / sequence
		return true
	case 1396, 1141, 1147: // CREATE/DROP USER|ROLE failed, no such grant
		return st.Kind == statement.Account
	}
	return false
}

// commitExclusive commits the open exclusive transaction with its checkpoint.
func (c *coordinator) commitExclusive(o *openTxn, next mysqlx.GTIDSet) error {
	t := o.t
	if err := c.sendExclusive(o); err != nil {
		return err
	}
	mv := checkpointMove{from: c.planned, to: next, commit: t.commit, token: c.a.token, file: t.file, pos: t.pos}
	if err := c.commitMove(c.x, mv); err != nil {
		return fmt.Errorf("apply transaction %s: %w", t.gtid, err)
	}
	c.planned, c.pending = next, ""
	c.committed(next, 1, t.rows, t.bytes, t.commit, t.heartbeat)
	c.caughtUp(t.mark, t.recv)
	if c.serial && t.gtid == c.cfg.SerialUntil {
		c.serial = false
		c.log.Info("past the failed batch: applying in parallel again", slog.String("gtid", t.gtid))
	}
	return nil
}

// commitMove writes the checkpoint move and commits, in one round trip. When the
// fence refuses the move, the error says why (ErrFenced). On any error the session
// is dropped, which rolls back what it held.
func (c *coordinator) commitMove(x *executor, mv checkpointMove) error {
	q, err := c.a.store.moveSQL(mv)
	if err != nil {
		return err
	}
	q += ";\nCOMMIT"
	if x.begin {
		q = "START TRANSACTION;\n" + q
	}
	if err := x.ensure(c.io); err != nil {
		return err
	}
	if _, err := x.exec(c.io, q); err != nil {
		x.reset()
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == 1048 { // the fence's NULL (see moveSQL)
			return c.a.store.explainRefused(context.WithoutCancel(c.io), mv, err)
		}
		return fmt.Errorf("commit on the standby: %w", err)
	}
	x.inTxn, x.begin = false, false
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
