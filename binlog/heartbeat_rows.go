package binlog

import (
	"strings"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// HeartbeatFromRows recognises a heartbeat written by a HeartbeatWriter: an insert
// or update of the primary's pilotlight.heartbeat. It returns the stream id and the
// ts (UTC, microseconds) of the event's LAST row image after the change (for an
// update, the after-image of the last pair); ok is false for any other event, for a
// delete and for a row it cannot read.
//
// The values are read by column position (stream_id first, ts second), because the
// binlog carries column names only with binlog_row_metadata=FULL; the column types
// are checked, and so are the names when the binlog has them, so that a table of a
// different layout is ignored rather than misread.
//
// The ts is the primary's clock when it wrote the row: once the transaction holding
// this event commits on the standby, the standby holds everything the primary had
// committed before ts (the binlog is in commit order), whichever stream wrote it.
func HeartbeatFromRows(e Rows) (stream string, ts time.Time, ok bool) {
	if !strings.EqualFold(e.Schema, checkpointSchema) || !strings.EqualFold(e.Table, heartbeatTableName) {
		return "", time.Time{}, false
	}
	if !heartbeatLayout(e.Columns) {
		return "", time.Time{}, false
	}
	var after []any
	switch e.Kind {
	case Insert:
		if len(e.Rows) > 0 {
			after = e.Rows[len(e.Rows)-1]
		}
	case Update:
		if len(e.Rows) >= 2 && len(e.Rows)%2 == 0 {
			after = e.Rows[len(e.Rows)-1]
		}
	}
	if len(after) <= heartbeatTSCol {
		return "", time.Time{}, false
	}
	stream, ok = textValue(after[heartbeatStreamCol])
	if !ok || stream == "" {
		return "", time.Time{}, false
	}
	ts, ok = heartbeatTime(after[heartbeatTSCol])
	if !ok {
		return "", time.Time{}, false
	}
	return stream, ts, true
}

// heartbeatLayout checks the table map's first two columns: a character column,
// then a DATETIME (or TIMESTAMP, for a table a DBA made); names when present.
func heartbeatLayout(cols []ColumnMeta) bool {
	if len(cols) <= heartbeatTSCol {
		return false
	}
	id, ts := cols[heartbeatStreamCol], cols[heartbeatTSCol]
	switch id.Type {
	case gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_VAR_STRING, gomysql.MYSQL_TYPE_STRING:
	default:
		return false
	}
	switch ts.Type {
	case gomysql.MYSQL_TYPE_DATETIME2, gomysql.MYSQL_TYPE_DATETIME,
		gomysql.MYSQL_TYPE_TIMESTAMP2, gomysql.MYSQL_TYPE_TIMESTAMP:
	default:
		return false
	}
	if id.Name != "" && !strings.EqualFold(id.Name, "stream_id") || ts.Name != "" && !strings.EqualFold(ts.Name, "ts") {
		return false
	}
	return true
}

func textValue(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	}
	return "", false
}

// heartbeatTime reads ts as go-mysql decodes it with ParseTime off: the string
// "2006-01-02 15:04:05.000000" (DATETIME as written, TIMESTAMP rendered in UTC by
// the stream's TimestampStringLocation). A time.Time is taken as it is.
func heartbeatTime(v any) (time.Time, bool) {
	switch v := v.(type) {
	case time.Time:
		return v.UTC(), !v.IsZero()
	case string:
		// Parsing accepts a fraction after the seconds even though the layout has none.
		t, err := time.ParseInLocation(time.DateTime, v, time.UTC)
		return t, err == nil
	}
	return time.Time{}, false
}
