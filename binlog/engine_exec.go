package binlog

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// executor is one standby session that runs planned statements, many to a round
// trip (multi-statement text), and checks the rows each statement affected. It
// manages its transaction with plain START TRANSACTION / COMMIT text so that the
// first chunk of rows and the final checkpoint-plus-commit each ride in one packet.
// Not safe for concurrent use.
type executor struct {
	db          *sql.DB
	conn        *sql.Conn
	lockTimeout int // innodb_lock_wait_timeout for the session, seconds; 0 keeps the server's
	chunk       int // bytes of statements per round trip
	inTxn       bool
	begin       bool // START TRANSACTION still to be sent with the next statements
}

// ensure opens the session and sets it up (applySession, READ COMMITTED unless the
// standby logs statements, the lock wait timeout); it also bounds the chunk size by
// max_allowed_packet.
func (x *executor) ensure(ctx context.Context) error {
	if x.conn != nil {
		return nil
	}
	conn, err := x.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("apply: connect to the standby: %w", err)
	}
	var logBin int
	var format string
	var packet int64
	if err := conn.QueryRowContext(ctx, "SELECT @@GLOBAL.log_bin, @@SESSION.binlog_format, @@max_allowed_packet").
		Scan(&logBin, &format, &packet); err != nil {
		conn.Close()
		return fmt.Errorf("apply: read the standby session settings: %w", err)
	}
	setup := []string{applySession}
	if logBin == 0 || !strings.EqualFold(format, "STATEMENT") {
		// Fewer gap locks between concurrent workers; with statement logging the
		// server refuses READ COMMITTED for InnoDB writes.
		setup = append(setup, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
	}
	if x.lockTimeout > 0 {
		setup = append(setup, "SET SESSION innodb_lock_wait_timeout = "+strconv.Itoa(x.lockTimeout))
	}
	for _, q := range setup {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.Close()
			return fmt.Errorf("apply: set up the standby session (%s): %w", q, err)
		}
	}
	if limit := int(packet) - 64<<10; limit > 0 && limit < x.chunk {
		x.chunk = limit
	}
	x.conn = conn
	return nil
}

// reset drops the session (after an error its state is unknown); the server rolls
// back whatever was open.
func (x *executor) reset() {
	if x.conn != nil {
		_ = x.conn.Raw(func(any) error { return driver.ErrBadConn }) // do not return it to the pool
		_ = x.conn.Close()
		x.conn = nil
	}
	x.inTxn, x.begin = false, false
}

// startTxn makes the next statements open a transaction.
func (x *executor) startTxn() {
	x.inTxn, x.begin = true, true
}

// rollback ends the open transaction, if any; on failure the session is dropped.
func (x *executor) rollback(ctx context.Context) {
	if x.conn == nil || !x.inTxn {
		x.inTxn, x.begin = false, false
		return
	}
	if x.begin { // nothing was sent
		x.inTxn, x.begin = false, false
		return
	}
	x.inTxn = false
	if _, err := x.exec(ctx, "ROLLBACK"); err != nil {
		x.reset()
	}
}

// run executes the statements of txns in order, chunk bytes to a round trip, each
// one alone when single is set (exact errors, serial mode). A failed count names
// its transaction; a failed chunk the transactions it spans.
func (x *executor) run(ctx context.Context, txns []*txn, single bool) error {
	var text strings.Builder
	var pending []stmt
	first, last := "", ""
	flush := func() error {
		if len(pending) == 0 && !x.begin {
			return nil
		}
		err := x.execChecked(ctx, gtidRange(first, last), &text, pending)
		text.Reset()
		pending, first = pending[:0], ""
		return err
	}
	for _, t := range txns {
		for _, s := range t.stmts {
			if s.args != nil { // a prepared statement travels alone
				if err := flush(); err != nil {
					return err
				}
				if err := x.execPrepared(ctx, t.gtid, s); err != nil {
					return err
				}
				continue
			}
			if len(pending) > 0 && (single || text.Len()+len(s.sql) > x.chunk) {
				if err := flush(); err != nil {
					return err
				}
			}
			if text.Len() > 0 {
				text.WriteString(";\n")
			}
			text.WriteString(s.sql)
			s.gtid = t.gtid
			pending = append(pending, s)
			if first == "" {
				first = t.gtid
			}
			last = t.gtid
		}
	}
	return flush()
}

func gtidRange(first, last string) string {
	if first == last || first == "" {
		return last
	}
	return first + ".." + last
}

// execChecked sends the statements in text (prefixed by START TRANSACTION when a
// transaction is to begin) and compares each one's affected rows with its want.
func (x *executor) execChecked(ctx context.Context, gtids string, text *strings.Builder, stmts []stmt) error {
	q := text.String()
	skip := 0
	if x.begin {
		skip = 1
		if q == "" {
			q = "START TRANSACTION"
		} else {
			q = "START TRANSACTION;\n" + q
		}
	}
	counts, err := x.exec(ctx, q)
	if err != nil {
		return fmt.Errorf("apply transaction %s: %s: %w", gtids, describeStmts(stmts), err)
	}
	x.begin = false
	if len(counts) != len(stmts)+skip {
		return fmt.Errorf("apply transaction %s: %d results for %d statements", gtids, len(counts), len(stmts)+skip)
	}
	for i, s := range stmts {
		if n := counts[i+skip]; s.want >= 0 && n != s.want {
			return fmt.Errorf("apply transaction %s: %s: %w: %d rows affected, want %d", s.gtid, s.describe(), ErrDiverged, n, s.want)
		}
	}
	return nil
}

func (x *executor) execPrepared(ctx context.Context, gtid string, s stmt) error {
	if x.begin {
		if _, err := x.exec(ctx, "START TRANSACTION"); err != nil {
			return fmt.Errorf("apply transaction %s: begin: %w", gtid, err)
		}
		x.begin = false
	}
	res, err := x.conn.ExecContext(ctx, s.sql, s.args...)
	if err != nil {
		return fmt.Errorf("apply transaction %s: %s: %w", gtid, s.describe(), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("apply transaction %s: %s: rows affected: %w", gtid, s.describe(), err)
	}
	if s.want >= 0 && n != s.want {
		return fmt.Errorf("apply transaction %s: %s: %w: %d rows affected, want %d", gtid, s.describe(), ErrDiverged, n, s.want)
	}
	return nil
}

// exec sends one (multi-)statement text and returns every statement's affected rows.
func (x *executor) exec(ctx context.Context, q string) ([]int64, error) {
	var counts []int64
	err := x.conn.Raw(func(dc any) error {
		ex, ok := dc.(driver.ExecerContext)
		if !ok {
			return errors.New("the MySQL driver cannot execute statements directly")
		}
		res, err := ex.ExecContext(ctx, q, nil)
		if err != nil {
			return err
		}
		if r, ok := res.(mysql.Result); ok {
			counts = r.AllRowsAffected()
			return nil
		}
		n, err := res.RowsAffected()
		counts = []int64{n}
		return err
	})
	return counts, err
}

// describeStmts names what a failed chunk was changing.
func describeStmts(stmts []stmt) string {
	switch len(stmts) {
	case 0:
		return "begin"
	case 1:
		return stmts[0].describe()
	}
	seen := map[string]bool{}
	var tables []string
	for _, s := range stmts {
		if s.table != "" && !seen[s.table] && len(tables) < 5 {
			seen[s.table] = true
			tables = append(tables, s.table)
		}
	}
	return fmt.Sprintf("%d statements on %s", len(stmts), strings.Join(tables, ", "))
}
