package binlog

import (
	"errors"
	"time"
)

// Sentinel errors of streaming (wrapped).
var (
	// ErrNoGTID: the source wrote a transaction without a GTID (MySQL anonymous
	// transaction, or events outside any GTID group). Such a transaction cannot be
	// checkpointed, so streaming stops instead of skipping or guessing.
	ErrNoGTID = errors.New("transaction without a GTID in the binlog")
	// ErrUnsupportedEvent: a binlog event pilotlight cannot turn into exact changes
	// (MySQL partial JSON updates, rows events of an unknown kind).
	ErrUnsupportedEvent = errors.New("unsupported binlog event")
	// ErrStreamClosed is returned by Next after Close.
	ErrStreamClosed = errors.New("binlog stream closed")
)

// Event is one unit returned by Stream.Next: Begin, Rows, Query, Commit, Rollback or
// Heartbeat. Inside a transaction the order is Begin, then any number of Rows and
// Query, then Commit (or Rollback when the transaction restarts after a reconnect).
type Event interface{ isEvent() }

// Begin opens a source transaction.
type Begin struct {
	// GTID is the transaction's single GTID in the flavor's syntax: MariaDB
	// domain-server-seq (0-1-42), MySQL uuid:gno or uuid:tag:gno.
	GTID string
	// ServerID is the server id of the server that originally wrote the transaction.
	ServerID uint32
	// Timestamp is the GTID event's header time (second resolution).
	Timestamp time.Time
}

// RowsKind says what a Rows event does.
type RowsKind int

// The row change kinds.
const (
	Insert RowsKind = iota + 1
	Update
	Delete
)

func (k RowsKind) String() string {
	switch k {
	case Insert:
		return "insert"
	case Update:
		return "update"
	case Delete:
		return "delete"
	}
	return "unknown"
}

// ColumnMeta describes one column of a Rows event as the binlog's table map gives it:
// the table as it was when the event was written, not as it is now.
type ColumnMeta struct {
	// Name is the column name; empty unless the source logs binlog_row_metadata=FULL.
	Name string
	// Type is the MySQL type code (go-mysql's mysql.MYSQL_TYPE_*), with ENUM and SET
	// resolved from the STRING type they are logged as.
	Type byte
	// Meta is the table map's type metadata (lengths, precision, scale...).
	Meta uint16
	// Unsigned is set for unsigned numeric columns (known when the source logs the
	// signedness, which both MINIMAL and FULL row metadata do on recent servers).
	Unsigned bool
	// Nullable says whether the column accepts NULL.
	Nullable bool
	// Collation is the collation id of character, ENUM and SET columns; 0 when unknown.
	Collation uint64
	// EnumValues and SetValues are the permitted values (binlog_row_metadata=FULL only).
	EnumValues, SetValues []string
}

// Rows is one binlog rows event: a bounded batch of row images for one table.
type Rows struct {
	Schema, Table string
	Kind          RowsKind
	Columns       []ColumnMeta
	// Rows holds the row images in order; for Update: before, after, before, after...
	// Values are as go-mysql decodes them (see the stream tests for the Go types).
	Rows [][]any
}

// Query is a statement inside a transaction: DDL or another statement the source
// logged as text. The BEGIN that opens ROW transactions is never returned.
type Query struct {
	// Schema is the session's default database when the statement ran on the
	// source ("" for none). It may not exist on the standby: CREATE DATABASE x is
	// logged with x as its default database, and a statement may run in a
	// database another session has dropped.
	Schema, SQL string
	// NoUse is the event's LOG_EVENT_SUPPRESS_USE_F flag: the statement does not
	// need its default database (CREATE/DROP DATABASE), so none is selected.
	NoUse bool
	// Context is the session state the statement ran in on the source.
	Context SessionContext
	// ErrorCode is the error the statement ended with on the source, when it was
	// logged although it failed part-way (a REVOKE from several users, one of
	// them unknown); the standby must end with the same one.
	ErrorCode uint16
}

// Commit closes the transaction opened by the last Begin. It is the only event after
// which a checkpoint may advance.
type Commit struct {
	GTID string
	// Timestamp is the commit time: MySQL 8's original commit timestamp (microseconds)
	// when present, else the commit event's header time (seconds).
	Timestamp time.Time
	// File and Pos say where the transaction ends in the source's binlog (the
	// commit event's end position); "" and 0 when unknown.
	File string
	Pos  uint32
}

// Rollback abandons the transaction opened by the last Begin: its events will be sent
// again from its Begin (go-mysql resends an interrupted transaction from its start
// after a reconnect). Whatever was done for it must be rolled back.
type Rollback struct {
	GTID string
}

// Heartbeat says the source had nothing newer to send at Timestamp (the receive time).
type Heartbeat struct {
	Timestamp time.Time
}

func (Begin) isEvent()     {}
func (Rows) isEvent()      {}
func (Query) isEvent()     {}
func (Commit) isEvent()    {}
func (Rollback) isEvent()  {}
func (Heartbeat) isEvent() {}
