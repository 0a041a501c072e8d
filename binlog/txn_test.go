package binlog

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

func txEv(typ replication.EventType, ts uint32, e replication.Event) *replication.BinlogEvent {
	return &replication.BinlogEvent{Header: &replication.EventHeader{EventType: typ, Timestamp: ts, ServerID: 7, LogPos: 100}, Event: e}
}

func txQuery(schema, sql string) *replication.BinlogEvent {
	return txEv(replication.QUERY_EVENT, 10, &replication.QueryEvent{Schema: []byte(schema), Query: []byte(sql)})
}

var txSID = []byte{0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62}

func txMySQLGTID(gno int64, commitMicros uint64) *replication.BinlogEvent {
	return txEv(replication.GTID_EVENT, 10, &replication.GTIDEvent{SID: txSID, GNO: gno, OriginalCommitTimestamp: commitMicros})
}

func txMariaGTID(seq uint64, flags byte) *replication.BinlogEvent {
	return txEv(replication.MARIADB_GTID_EVENT, 10, &replication.MariadbGTIDEvent{
		GTID: mysql.MariadbGTID{DomainID: 0, ServerID: 7, SequenceNumber: seq}, Flags: flags})
}

// txRun feeds events and renders what the assembler emits, one line per unit.
func txRun(t *testing.T, flavor mysqlx.Flavor, evs ...*replication.BinlogEvent) ([]string, error) {
	t.Helper()
	a := newAssembler(flavor)
	a.now = func() time.Time { return time.Unix(99, 0).UTC() }
	var out []string
	emit := func(e Event) {
		switch e := e.(type) {
		case Begin:
			out = append(out, fmt.Sprintf("begin %s srv=%d %s", e.GTID, e.ServerID, e.Timestamp.Format(time.RFC3339)))
		case Commit:
			out = append(out, fmt.Sprintf("commit %s %s", e.GTID, e.Timestamp.Format(time.RFC3339Nano)))
		case Query:
			out = append(out, fmt.Sprintf("query %s %q nouse=%v at %s", e.Schema, e.SQL, e.NoUse,
				e.Context.Time.Format(time.RFC3339)))
		default:
			out = append(out, fmt.Sprintf("%T %+v", e, e))
		}
	}
	for _, ev := range evs {
		if err := a.handle(ev, emit); err != nil {
			return out, err
		}
	}
	return out, nil
}

func txExpect(t *testing.T, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got\n  %q\nwant\n  %q", got, want)
	}
}

func TestAssembleMySQL(t *testing.T) {
	got, err := txRun(t, mysqlx.MySQL,
		txEv(replication.FORMAT_DESCRIPTION_EVENT, 1, &replication.FormatDescriptionEvent{}),
		txMySQLGTID(5, 1_700_000_000_123_456), txQuery("db", "BEGIN"), txQuery("db", "SAVEPOINT a"),
		txEv(replication.XID_EVENT, 11, &replication.XIDEvent{XID: 1}),
		txMySQLGTID(6, 0), txQuery("db", "CREATE TABLE x (id INT)"),
		txEv(replication.HEARTBEAT_LOG_EVENT_V2, 0, &replication.HeartbeatEvent{Version: 2}))
	if err != nil {
		t.Fatal(err)
	}
	u := "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	txExpect(t, got,
		"begin "+u+":5 srv=7 1970-01-01T00:00:10Z", `query db "SAVEPOINT a" nouse=false at 1970-01-01T00:00:10Z`,
		"commit "+u+":5 2023-11-14T22:13:20.123456Z",
		"begin "+u+":6 srv=7 1970-01-01T00:00:10Z", `query db "CREATE TABLE x (id INT)" nouse=false at 1970-01-01T00:00:10Z`,
		"commit "+u+":6 1970-01-01T00:00:10Z", "binlog.Heartbeat {Timestamp:1970-01-01 00:01:39 +0000 UTC}")
}

func TestAssembleMariaDB(t *testing.T) {
	got, err := txRun(t, mysqlx.MariaDB,
		txMariaGTID(41, 0), txQuery("db", "COMMIT"),
		txMariaGTID(42, replication.BINLOG_MARIADB_FL_STANDALONE|replication.BINLOG_MARIADB_FL_DDL),
		txQuery("db", "DROP TABLE y"),
		txMariaGTID(43, 0), txMariaGTID(43, 0), txEv(replication.XID_EVENT, 12, &replication.XIDEvent{}))
	if err != nil {
		t.Fatal(err)
	}
	txExpect(t, got,
		"begin 0-7-41 srv=7 1970-01-01T00:00:10Z", "commit 0-7-41 1970-01-01T00:00:10Z",
		"begin 0-7-42 srv=7 1970-01-01T00:00:10Z", `query db "DROP TABLE y" nouse=false at 1970-01-01T00:00:10Z`,
		"commit 0-7-42 1970-01-01T00:00:10Z",
		"begin 0-7-43 srv=7 1970-01-01T00:00:10Z", "binlog.Rollback {GTID:0-7-43}",
		"begin 0-7-43 srv=7 1970-01-01T00:00:10Z", "commit 0-7-43 1970-01-01T00:00:12Z")
}

func TestAssembleRefusesTransactionsWithoutGTID(t *testing.T) {
	for name, evs := range map[string][]*replication.BinlogEvent{
		"anonymous": {txEv(replication.ANONYMOUS_GTID_EVENT, 1, &replication.GTIDEvent{SID: make([]byte, 16)})},
		"query":     {txQuery("db", "INSERT INTO t VALUES (1)")},
		"xid":       {txEv(replication.XID_EVENT, 1, &replication.XIDEvent{})},
	} {
		if _, err := txRun(t, mysqlx.MySQL, evs...); !errors.Is(err, ErrNoGTID) {
			t.Errorf("%s: err = %v, want ErrNoGTID", name, err)
		}
	}
}

// TestAssembleSkipsReplayedCommit: after a reconnect go-mysql resends the last
// transaction even when it had committed; it must not be returned twice.
func TestAssembleSkipsReplayedCommit(t *testing.T) {
	xid := txEv(replication.XID_EVENT, 12, &replication.XIDEvent{})
	got, err := txRun(t, mysqlx.MariaDB, txMariaGTID(41, 0), xid,
		txEv(replication.ROTATE_EVENT, 0, &replication.RotateEvent{}), txMariaGTID(41, 0), txQuery("db", "SAVEPOINT s"), xid,
		txMariaGTID(42, 0), xid)
	if err != nil {
		t.Fatal(err)
	}
	txExpect(t, got, "begin 0-7-41 srv=7 1970-01-01T00:00:10Z", "commit 0-7-41 1970-01-01T00:00:12Z",
		"begin 0-7-42 srv=7 1970-01-01T00:00:10Z", "commit 0-7-42 1970-01-01T00:00:12Z")
}
