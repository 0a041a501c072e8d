package binlog

import (
	"encoding/binary"
	"fmt"
	"time"
)

// SessionContext is the session state a statement ran in on the source, as its
// query event records it (the status variables, and the event's timestamp):
// what mysqlbinlog prints as SET statements before each statement it replays.
// A statement such as ALTER TABLE ... ADD COLUMN ts TIMESTAMP DEFAULT
// CURRENT_TIMESTAMP, a CREATE TABLE under ANSI_QUOTES, or a column default
// written in the session's time zone gives a different result in another
// session; applied in its own context it gives the source's. Zero values of the
// Has fields mean the event did not record that part.
//
// The struct is comparable (no slices), so that Query stays comparable.
type SessionContext struct {
	// Time is the statement's start time: the event's timestamp, with the
	// microseconds MariaDB (Q_HRNOW) or MySQL (Q_MICROSECONDS) records when the
	// statement used them (Micros).
	Time   time.Time
	Micros bool

	Flags2    uint32 // OPTION_* bits: foreign/unique key checks, sql_auto_is_null, ...
	HasFlags2 bool
	// SQLMode is the sql_mode bit set, in the source's own numbering: the standby
	// has the same flavor (preflight checks), so it means the same there.
	SQLMode    uint64
	HasSQLMode bool

	AutoIncrementIncrement, AutoIncrementOffset uint16
	HasAutoIncrement                            bool

	// CharsetClient (a collation id naming character_set_client's character set),
	// CollationConnection and CollationServer (collation ids).
	CharsetClient, CollationConnection, CollationServer uint16
	HasCharset                                          bool

	TimeZone       string // the session time zone when the statement used it; "" when not recorded
	LCTimeNames    uint16
	HasLCTimeNames bool
	// CollationDatabase is collation_database when it differed from the default
	// database's (0: not recorded, meaning the default database's).
	CollationDatabase uint16

	// InvokerUser and InvokerHost are the account that ran the statement, when
	// the event records it (statements whose effect depends on CURRENT_USER:
	// ALTER EVENT, DEFINER=CURRENT_USER, GRANT ... TO CURRENT_USER).
	InvokerUser, InvokerHost string

	// MySQL 8 only; -1 when not recorded.
	ExplicitDefaultsForTimestamp int8
	DefaultCollationForUTF8MB4   uint16 // 0 when not recorded
	SQLRequirePrimaryKey         int8
	DefaultTableEncryption       int8

	// Truncated is set when the status variables held a code this decoder does not
	// know: the ones after it (whose lengths cannot be known) are missing.
	Truncated bool
}

// Status variable codes of query events (MySQL's and MariaDB's log_event.h).
const (
	qFlags2                = 0
	qSQLMode               = 1
	qCatalog               = 2
	qAutoIncrement         = 3
	qCharset               = 4
	qTimeZone              = 5
	qCatalogNZ             = 6
	qLCTimeNames           = 7
	qCharsetDatabase       = 8
	qTableMapForUpdate     = 9
	qMasterDataWritten     = 10
	qInvoker               = 11
	qUpdatedDBNames        = 12
	qMicroseconds          = 13
	qExplicitDefaultsForTS = 16
	qDDLLoggedWithXID      = 17
	qDefaultCollationUTF8  = 18
	qSQLRequirePrimaryKey  = 19
	qDefaultTableEncrypt   = 20
	qHRNow                 = 128 // MariaDB: microseconds of the statement's time
	qXID                   = 129 // MariaDB: the XID of a DDL (atomic DDL recovery)
	qGTIDFlags3            = 130 // MariaDB
)

// overMaxDBsInEvent is Q_UPDATED_DB_NAMES's count when it lists no names.
const overMaxDBsInEvent = 254

// decodeSessionContext reads a query event's status variables. header is the
// event's timestamp (seconds).
func decodeSessionContext(vars []byte, header uint32) SessionContext {
	c := SessionContext{Time: time.Unix(int64(header), 0).UTC(), ExplicitDefaultsForTimestamp: -1,
		SQLRequirePrimaryKey: -1, DefaultTableEncryption: -1}
	r := statusReader{b: vars}
	for r.more() {
		before := c // a field cut short is not kept
		code := r.u8()
		switch code {
		case qFlags2:
			c.Flags2, c.HasFlags2 = r.u32(), true
		case qSQLMode:
			c.SQLMode, c.HasSQLMode = r.u64(), true
		case qCatalog:
			r.skip(int(r.u8()) + 1)
		case qAutoIncrement:
			c.AutoIncrementIncrement, c.AutoIncrementOffset, c.HasAutoIncrement = r.u16(), r.u16(), true
		case qCharset:
			c.CharsetClient, c.CollationConnection, c.CollationServer, c.HasCharset = r.u16(), r.u16(), r.u16(), true
		case qTimeZone:
			c.TimeZone = string(r.bytes(int(r.u8())))
		case qCatalogNZ:
			r.skip(int(r.u8()))
		case qLCTimeNames:
			c.LCTimeNames, c.HasLCTimeNames = r.u16(), true
		case qCharsetDatabase:
			c.CollationDatabase = r.u16()
		case qTableMapForUpdate, qDDLLoggedWithXID, qXID:
			r.skip(8)
		case qMasterDataWritten:
			r.skip(4)
		case qInvoker:
			c.InvokerUser = string(r.bytes(int(r.u8())))
			c.InvokerHost = string(r.bytes(int(r.u8())))
		case qUpdatedDBNames:
			if n := int(r.u8()); n != overMaxDBsInEvent {
				for range n {
					r.cstring()
				}
			}
		case qMicroseconds, qHRNow:
			us := r.u24()
			c.Time, c.Micros = c.Time.Add(time.Duration(us)*time.Microsecond), true
		case qExplicitDefaultsForTS:
			c.ExplicitDefaultsForTimestamp = int8(r.u8())
		case qDefaultCollationUTF8:
			c.DefaultCollationForUTF8MB4 = r.u16()
		case qSQLRequirePrimaryKey:
			c.SQLRequirePrimaryKey = int8(r.u8())
		case qDefaultTableEncrypt:
			c.DefaultTableEncryption = int8(r.u8())
		case qGTIDFlags3:
			r.skip(1)
		default:
			c.Truncated = true
			return c
		}
		if r.bad {
			before.Truncated = true
			return before
		}
	}
	return c
}

// statusReader reads little-endian fields; reading past the end sets bad.
type statusReader struct {
	b   []byte
	bad bool
}

func (r *statusReader) more() bool { return !r.bad && len(r.b) > 0 }

func (r *statusReader) bytes(n int) []byte {
	if n > len(r.b) {
		r.bad, r.b = true, nil
		return make([]byte, n)
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *statusReader) skip(n int)  { r.bytes(n) }
func (r *statusReader) u8() uint8   { return r.bytes(1)[0] }
func (r *statusReader) u16() uint16 { return binary.LittleEndian.Uint16(r.bytes(2)) }
func (r *statusReader) u32() uint32 { return binary.LittleEndian.Uint32(r.bytes(4)) }
func (r *statusReader) u64() uint64 { return binary.LittleEndian.Uint64(r.bytes(8)) }
func (r *statusReader) u24() uint32 {
	b := r.bytes(3)
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
}

func (r *statusReader) cstring() {
	for i, c := range r.b {
		if c == 0 {
			r.b = r.b[i+1:]
			return
		}
	}
	r.bad, r.b = true, nil
}

// timestampText is the value of SET timestamp for the statement's time.
func (c SessionContext) timestampText() string {
	if c.Micros {
		return fmt.Sprintf("%d.%06d", c.Time.Unix(), c.Time.Nanosecond()/1000)
	}
	return fmt.Sprintf("%d", c.Time.Unix())
}
