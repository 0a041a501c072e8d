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
	begin       bool              // START TRANSACTION still to be sent with the next statements
	compound    bool              // the standby is MariaDB: chunks go as anonymous compound statements
	charsets    map[uint16]string // collation id -> character set (see charsetOf)
	// db is the session's default database ("" for none, dbUnknown when a
	// statement may have changed it); see useDB. Sessions start without one.
	currentDB string
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
	var format, version string
	var packet int64
	if err := conn.QueryRowContext(ctx, "SELECT @@GLOBAL.log_bin, @@SESSION.binlog_format, @@max_allowed_packet, @@version").
		Scan(&logBin, &format, &packet, &version); err != nil {
		conn.Close()
		return fmt.Errorf("apply: read the standby session settings: %w", err)
	}
	maria := strings.Contains(strings.ToLower(version), "mariadb")
	setup := []string{applySession}
	if maria {
		setup[0] = applySessionMariaDB
	}
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
	if limit := int(packet) - packetMargin; limit > 0 && limit < x.chunk {
		x.chunk = limit
	}
	x.compound = maria
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
	x.inTxn, x.begin, x.currentDB = false, false, ""
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
	var pending []stmt
	size := 0
	flush := func() error {
		if len(pending) == 0 && !x.begin {
			return nil
		}
		err := x.execChecked(ctx, pending, single)
		pending, size = pending[:0], 0
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
			if len(pending) > 0 && (single || size+len(s.sql) > x.chunk) {
				if err := flush(); err != nil {
					return err
				}
			}
			s.gtid = t.gtid
			pending = append(pending, s)
			size += len(s.sql) + 2
		}
	}
	return flush()
}

func gtidRange(stmts []stmt) string {
	if len(stmts) == 0 {
		return "(none)"
	}
	first, last := stmts[0].gtid, stmts[len(stmts)-1].gtid
	if first == last {
		return last
	}
	return first + ".." + last
}

// rowCheckSignal is the message of the SIGNAL a compound statement raises when a
// statement did not affect its rows; the statement's index follows.
const rowCheckSignal = "pilotlight row check "

// execChecked sends stmts (after START TRANSACTION when a transaction is to begin)
// in one round trip and checks that each one affected its want rows. On MariaDB the
// statements travel as one anonymous compound statement that checks ROW_COUNT()
// after each one and SIGNALs the first mismatch: one result instead of one per
// statement. Elsewhere, and for savepoints, they travel as a multi-statement whose
// results are checked here.
func (x *executor) execChecked(ctx context.Context, stmts []stmt, single bool) error {
	compound := x.compound && !single && len(stmts) > 1
	for _, s := range stmts {
		compound = compound && s.table != "" // savepoints stay outside stored-program rules
	}
	var b strings.Builder
	skip := 0
	if compound {
		b.WriteString("BEGIN NOT ATOMIC\n")
	}
	if x.begin {
		skip = 1
		b.WriteString("START TRANSACTION")
	}
	for i, s := range stmts {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteString(";\n")
		}
		b.WriteString(s.sql)
		if compound {
			b.WriteString(";\n")
			if s.want >= 0 {
				b.WriteString("IF ROW_COUNT() <> ")
				b.WriteString(strconv.FormatInt(s.want, 10))
				b.WriteString(" THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '" + rowCheckSignal)
				b.WriteString(strconv.Itoa(i))
				b.WriteString("'; END IF;\n")
			}
		}
	}
	if compound {
		b.WriteString("END")
	}
	counts, err := x.exec(ctx, b.String())
	if err != nil {
		var me *mysql.MySQLError
		if compound && errors.As(err, &me) && me.Number == 1644 && strings.HasPrefix(me.Message, rowCheckSignal) {
			if i, perr := strconv.Atoi(strings.TrimPrefix(me.Message, rowCheckSignal)); perr == nil && i < len(stmts) {
				s := stmts[i]
				return fmt.Errorf("apply transaction %s: %s: %w: it did not affect exactly %d rows", s.gtid, s.describe(), ErrDiverged, s.want)
			}
		}
		return fmt.Errorf("apply transaction %s: %s: %w", gtidRange(stmts), describeStmts(stmts), err)
	}
	x.begin = false
	if compound {
		return nil // every count was checked by the server
	}
	if len(counts) != len(stmts)+skip {
		return fmt.Errorf("apply transaction %s: %d results for %d statements", gtidRange(stmts), len(counts), len(stmts)+skip)
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
		if errors.Is(err, mysql.ErrPktTooLarge) || mysqlErrno(err) == 1153 || // ER_NET_PACKET_TOO_LARGE
			mysqlErrno(err) == 1105 && strings.Contains(err.Error(), "max_allowed_packet") { // long data too long
			return fmt.Errorf("apply transaction %s: %s: %w: a value is larger than the standby's max_allowed_packet "+
				"allows; raise it to the primary's at least (SET GLOBAL max_allowed_packet = ..., and in the [mysqld] "+
				"section) and start again: %v", gtid, s.describe(), ErrUnsupportedValue, err)
		}
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
