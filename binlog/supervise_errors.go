package binlog

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// ErrSchemaMismatch: a table or column of the binlog is missing on the standby, or
// does not line up with it. Replication stops; the operator fixes the standby's
// schema (or the filters) and starts again.
var ErrSchemaMismatch = errors.New("the standby's schema does not match the binlog")

type errorKind int

const (
	unknownError   errorKind = iota
	transientError           // retry with backoff, forever
	fatalError               // stop
	batchError               // retry one transaction at a time
)

// classify decides what Replicate does after err.
func classify(err error) errorKind {
	for _, fatal := range []error{ErrFenced, ErrPurged, ErrUnsupportedEvent, ErrUnsupportedValue, ErrNoGTID,
		ErrNoCheckpoint, ErrCheckpointBackwards, ErrSchemaMismatch, ErrStatementDML, ErrAccountRefused, ErrHistoryRewound, ErrUnsupportedTable,
		mysqlx.ErrFlavorMismatch} {
		if errors.Is(err, fatal) {
			return fatalError
		}
	}
	if deniedError(err) {
		return fatalError
	}
	if transient(err) {
		return transientError
	}
	var be *BatchError
	if errors.As(err, &be) {
		return batchError
	}
	if errors.Is(err, ErrDiverged) {
		return fatalError // one transaction at a time, in source order: real
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return fatalError // an SQL error applying one transaction alone: real
	}
	var ge *gomysql.MyError
	if errors.As(err, &ge) && ge.Code == 1236 { // the source cannot serve the binlog from our position
		return fatalError
	}
	return unknownError
}

// deniedError: rejected credentials or missing privileges on either side.
func deniedError(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1044, 1045, 1142, 1143, 1227, 1290, 1370:
			return true
		}
	}
	var ge *gomysql.MyError
	if errors.As(err, &ge) {
		switch ge.Code {
		case 1044, 1045, 1227:
			return true
		}
	}
	return false
}

// transient: the connection or the server went away, or a lock wait ended badly.
func transient(err error) bool {
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, replication.ErrNeedSyncAgain), errors.Is(err, replication.ErrSyncClosed),
		errors.Is(err, gomysql.ErrBadConn): // the binlog connection broke (go-mysql does not reconnect by itself)
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1040, 1053, 1077, 1152, 1153, 1154, 1155, 1156, 1157, 1158, 1159, 1160, 1161, // connections, shutdown, network
			1205, 1213, // lock wait timeout, deadlock
			1317, 1927, // query interrupted, connection killed
			2002, 2003, 2006, 2013:
			return true
		}
	}
	var ge *gomysql.MyError
	if errors.As(err, &ge) {
		switch ge.Code {
		case 1040, 1053, 1317, 1927, 2006, 2013:
			return true
		}
	}
	return false
}
