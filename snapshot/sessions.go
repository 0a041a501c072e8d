package snapshot

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// sessionSetup makes a worker read exact bytes: NAMES binary (every value as
// stored, no conversion), UTC (TIMESTAMP as stored), long network timeouts
// (a slow sink must not make the server drop a worker that stopped reading
// for a while), and repeatable read for the snapshot.
var sessionSetup = []string{
	"SET NAMES binary",
	"SET SESSION time_zone = '+00:00', net_write_timeout = 3600, net_read_timeout = 3600, sql_mode = ''",
	"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
}

// openSessions opens n worker sessions, each inside its own consistent
// snapshot transaction, opened as close together as possible.
func openSessions(ctx context.Context, db *sql.DB, n int) ([]*sql.Conn, error) {
	conns := make([]*sql.Conn, 0, n)
	for range n {
		c, err := db.Conn(ctx)
		if err != nil {
			closeAll(conns)
			return nil, fmt.Errorf("open a worker session: %w", err)
		}
		conns = append(conns, c)
		for _, q := range sessionSetup {
			if _, err := c.ExecContext(ctx, q); err != nil {
				closeAll(conns)
				return nil, fmt.Errorf("set up a worker session (%s): %w", q, err)
			}
		}
	}
	for _, c := range conns {
		if _, err := c.ExecContext(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"); err != nil {
			closeAll(conns)
			return nil, fmt.Errorf("start a consistent snapshot: %w", err)
		}
	}
	return conns, nil
}

// closeAll ends the sessions and closes their connections instead of giving
// them back to the pool: a worker session's settings (NAMES binary, UTC, an
// open snapshot) must not leak to whoever takes the connection next.
func closeAll(conns []*sql.Conn) {
	for _, c := range conns {
		discard(c)
	}
}

// discard closes c's connection for good.
func discard(c *sql.Conn) {
	_ = c.Raw(func(any) error { return driver.ErrBadConn })
	_ = c.Close()
}

// flushLock holds FLUSH TABLES WITH READ LOCK just long enough to open the
// worker snapshots and read the position. The lock waits for running
// statements to finish, and while it waits it already blocks every writer:
// so it is bounded by timeout, after which it is killed on the server (not
// merely abandoned by the client) and the snapshot fails naming the cause.
func flushLock(ctx context.Context, db *sql.DB, srv mysqlx.Server, n int, timeout time.Duration) ([]*sql.Conn, position, error) {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	lock, err := db.Conn(ctx)
	if err != nil {
		return nil, position{}, fmt.Errorf("open the lock session: %w", err)
	}
	defer discard(lock) // never back to the pool: it may hold the lock
	var id int64
	if err := lock.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		return nil, position{}, fmt.Errorf("open the lock session: %w", err)
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	done := make(chan error, 1)
	go func() {
		_, err := lock.ExecContext(context.WithoutCancel(ctx), "FLUSH TABLES WITH READ LOCK")
		done <- err
	}()
	select {
	case err = <-done:
	case <-lctx.Done():
		_, _ = db.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("KILL QUERY %d", id))
		<-done
		err = fmt.Errorf("FLUSH TABLES WITH READ LOCK waited %s for running statements (a long query or an open LOCK TABLES?) and was cancelled so writers are not blocked; find them with SHOW PROCESSLIST, raise --lock-timeout, or snapshot a standby", timeout)
	}
	cancel()
	if err != nil {
		if isAccessDenied(err) {
			return nil, position{}, fmt.Errorf("%w: FLUSH TABLES WITH READ LOCK was refused (it needs the RELOAD privilege, which RDS and Azure do not grant): %v; "+
				"on MariaDB use --consistency %s, or snapshot a standby fed by pilotlight replicate (no lock at all)", ErrInconsistent, err, MethodLockFree)
		}
		return nil, position{}, fmt.Errorf("FLUSH TABLES WITH READ LOCK: %w", err)
	}
	defer func() { _, _ = lock.ExecContext(context.WithoutCancel(ctx), "UNLOCK TABLES") }()

	conns, err := openSessions(ctx, db, n)
	if err != nil {
		return nil, position{}, err
	}
	p, err := lockedPosition(ctx, lock, srv.Flavor)
	if err != nil {
		closeAll(conns)
		return nil, position{}, err
	}
	return conns, p, nil
}

// lockedPosition reads the GTID set and binlog coordinates while writes are
// blocked.
func lockedPosition(ctx context.Context, c *sql.Conn, flavor mysqlx.Flavor) (position, error) {
	p := position{method: MethodFlushLock}
	v := "@@GLOBAL.gtid_executed"
	if flavor == mysqlx.MariaDB {
		v = "@@GLOBAL.gtid_binlog_pos"
	}
	var gtid sql.NullString
	if err := c.QueryRowContext(ctx, "SELECT "+v).Scan(&gtid); err != nil {
		return position{}, fmt.Errorf("read %s: %w", v, err)
	}
	p.gtidSet = strings.ReplaceAll(gtid.String, "\n", "")
	file, pos, err := binlogCoordinates(ctx, c)
	if err != nil {
		return position{}, err
	}
	p.binlogFile, p.binlogPos = file, pos
	return p, nil
}

// binlogCoordinates runs SHOW MASTER STATUS (SHOW BINARY LOG STATUS on MySQL
// 8.4, where the old name is gone). A server without a binlog has none.
func binlogCoordinates(ctx context.Context, c *sql.Conn) (string, uint64, error) {
	var file string
	var pos uint64
	for _, q := range []string{"SHOW MASTER STATUS", "SHOW BINARY LOG STATUS"} {
		rows, err := c.QueryContext(ctx, q)
		if err != nil {
			if isAccessDenied(err) {
				return "", 0, fmt.Errorf("%s was refused (grant REPLICATION CLIENT, or BINLOG MONITOR on MariaDB): %w", q, err)
			}
			continue
		}
		cols, _ := rows.Columns()
		if rows.Next() {
			vals := make([]any, len(cols))
			for i := range vals {
				vals[i] = new(sql.RawBytes)
			}
			if err := rows.Scan(vals...); err != nil {
				rows.Close()
				return "", 0, fmt.Errorf("%s: %w", q, err)
			}
			file = string(*vals[0].(*sql.RawBytes))
			if _, err := fmt.Sscan(string(*vals[1].(*sql.RawBytes)), &pos); err != nil {
				rows.Close()
				return "", 0, fmt.Errorf("%s: position %q: %w", q, *vals[1].(*sql.RawBytes), err)
			}
		}
		rows.Close()
		return file, pos, rows.Err()
	}
	return "", 0, errors.New("read the binlog coordinates: neither SHOW MASTER STATUS nor SHOW BINARY LOG STATUS works here")
}
