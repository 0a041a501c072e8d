package binlog

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/google/uuid"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// suppressUseFlag is LOG_EVENT_SUPPRESS_USE_F in a query event's header: the
// statement must not run in its logged default database (CREATE/DROP DATABASE).
const suppressUseFlag = 0x8

// assembler turns go-mysql binlog events into transaction units (Begin, Rows, Query,
// Commit). It holds only the current transaction's table maps, never its rows, so
// memory stays bounded by one binlog event whatever the transaction's size.
type assembler struct {
	flavor mysqlx.Flavor
	now    func() time.Time

	inTxn      bool
	gtid       string
	standalone bool      // MariaDB FL_STANDALONE: one statement, no COMMIT/XID follows
	begun      bool      // a BEGIN query was seen (MySQL multi-statement transaction)
	commitTS   time.Time // MySQL 8 original commit timestamp, zero when absent
	tables     map[uint64][]ColumnMeta

	// lastCommit is the GTID of the last transaction Committed. After a reconnect
	// go-mysql resumes from the set before the last GTID event it saw, so a transaction
	// already committed arrives a second time: skip marks that replay, swallowed whole.
	lastCommit string
	skip       bool

	// file is the source binlog file being read (from Rotate events, including
	// the one a dump begins with): Commit carries it with the commit's end
	// position, which the checkpoint records.
	file string
}

func newAssembler(flavor mysqlx.Flavor) *assembler {
	return &assembler{flavor: flavor, now: time.Now, tables: map[uint64][]ColumnMeta{}}
}

// handle feeds one binlog event and emits the units it completes, in order.
func (a *assembler) handle(ev *replication.BinlogEvent, emit func(Event)) error {
	h := ev.Header
	switch e := ev.Event.(type) {
	case *replication.MariadbGTIDEvent:
		g := e.GTID
		a.begin(fmt.Sprintf("%d-%d-%d", g.DomainID, g.ServerID, g.SequenceNumber), h, e.IsStandalone(), time.Time{}, emit)
	case *replication.GTIDEvent:
		if h.EventType == replication.ANONYMOUS_GTID_EVENT {
			return fmt.Errorf("%w: anonymous transaction at log position %d (set gtid_mode=ON)", ErrNoGTID, h.LogPos)
		}
		return a.mysqlBegin(e, h, emit)
	case *replication.GtidTaggedLogEvent:
		return a.mysqlBegin(&e.GTIDEvent, h, emit)
	case *replication.QueryEvent:
		return a.query(e, h, emit)
	case *replication.TableMapEvent:
		a.tables[e.TableID] = columnsOf(e)
	case *replication.RowsEvent:
		return a.rows(e, h, emit)
	case *replication.XIDEvent:
		return a.commit(h, emit)
	case *replication.TransactionPayloadEvent:
		for _, inner := range e.Events {
			if err := a.handle(inner, emit); err != nil {
				return err
			}
		}
	case *replication.HeartbeatEvent:
		emit(Heartbeat{Timestamp: a.now()})
	case *replication.RotateEvent:
		a.file = string(e.NextLogName)
	}
	// Everything else carries no data in ROW format: format description, rotate,
	// previous GTIDs, GTID list, binlog checkpoint, annotate rows, rows query.
	return nil
}

func (a *assembler) mysqlBegin(e *replication.GTIDEvent, h *replication.EventHeader, emit func(Event)) error {
	u, err := uuid.FromBytes(e.SID)
	if err != nil {
		return fmt.Errorf("GTID event at log position %d: %w", h.LogPos, err)
	}
	gtid := fmt.Sprintf("%s:%d", u, e.GNO)
	if tag := e.Tag.String(); tag != "" {
		gtid = fmt.Sprintf("%s:%s:%d", u, tag, e.GNO)
	}
	var ts time.Time
	if e.OriginalCommitTimestamp != 0 {
		ts = time.UnixMicro(int64(e.OriginalCommitTimestamp)).UTC()
	}
	a.begin(gtid, h, false, ts, emit)
	return nil
}

func (a *assembler) begin(gtid string, h *replication.EventHeader, standalone bool, commitTS time.Time, emit func(Event)) {
	if a.inTxn {
		// A new GTID while a transaction is open: the connection was re-established and
		// the interrupted transaction (or, defensively, whatever is open) starts over.
		a.emit(emit, Rollback{GTID: a.gtid})
	}
	clear(a.tables)
	a.inTxn, a.gtid, a.standalone, a.begun, a.commitTS = true, gtid, standalone, false, commitTS
	a.skip = gtid == a.lastCommit
	a.emit(emit, Begin{GTID: gtid, ServerID: h.ServerID, Timestamp: headerTime(h)})
}

func (a *assembler) query(e *replication.QueryEvent, h *replication.EventHeader, emit func(Event)) error {
	sql := string(e.Query)
	if !a.inTxn {
		return fmt.Errorf("%w: statement at log position %d outside a GTID transaction: %.80q", ErrNoGTID, h.LogPos, sql)
	}
	switch strings.ToUpper(strings.TrimSpace(sql)) {
	case "BEGIN":
		a.begun = true
		return nil
	case "COMMIT", "ROLLBACK":
		// A group ends with ROLLBACK when its transaction was rolled back after
		// changing a non-transactional table: only those changes were logged, and
		// they stay, so the group is applied like a committed one.
		return a.commit(h, emit)
	}
	a.emit(emit, Query{Schema: string(e.Schema), SQL: sql, NoUse: h.Flags&suppressUseFlag != 0,
		Context: decodeSessionContext(e.StatusVars, h.Timestamp), ErrorCode: e.ErrorCode})
	if a.standalone || (a.flavor == mysqlx.MySQL && !a.begun) {
		// DDL and other self-committing statements: MariaDB flags them standalone,
		// MySQL writes them without BEGIN. Their commit is the statement itself.
		return a.commit(h, emit)
	}
	return nil
}

func (a *assembler) rows(e *replication.RowsEvent, h *replication.EventHeader, emit func(Event)) error {
	if !a.inTxn {
		return fmt.Errorf("%w: rows event at log position %d outside a GTID transaction", ErrNoGTID, h.LogPos)
	}
	var kind RowsKind
	switch e.Type() {
	case replication.EnumRowsEventTypeInsert:
		kind = Insert
	case replication.EnumRowsEventTypeUpdate:
		kind = Update
	case replication.EnumRowsEventTypeDelete:
		kind = Delete
	default:
		return fmt.Errorf("%w: %s at log position %d (set binlog_row_value_options='' on the source)", ErrUnsupportedEvent, h.EventType, h.LogPos)
	}
	if e.Table == nil {
		return fmt.Errorf("rows event at log position %d: no table map for table id %d", h.LogPos, e.TableID)
	}
	cols, ok := a.tables[e.TableID]
	if !ok {
		cols = columnsOf(e.Table)
		a.tables[e.TableID] = cols
	}
	a.emit(emit, Rows{Schema: string(e.Table.Schema), Table: string(e.Table.Table), Kind: kind, Columns: cols, Rows: e.Rows})
	return nil
}

func (a *assembler) commit(h *replication.EventHeader, emit func(Event)) error {
	if !a.inTxn {
		return fmt.Errorf("%w: commit at log position %d outside a GTID transaction", ErrNoGTID, h.LogPos)
	}
	ts := a.commitTS
	if ts.IsZero() {
		ts = headerTime(h)
	}
	a.emit(emit, Commit{GTID: a.gtid, Timestamp: ts, File: a.file, Pos: h.LogPos})
	a.inTxn, a.lastCommit, a.gtid, a.skip = false, a.gtid, "", false
	clear(a.tables)
	return nil
}

// emit passes e on unless the current transaction is a replay of the last commit.
func (a *assembler) emit(emit func(Event), e Event) {
	if !a.skip {
		emit(e)
	}
}

func headerTime(h *replication.EventHeader) time.Time {
	return time.Unix(int64(h.Timestamp), 0).UTC()
}
