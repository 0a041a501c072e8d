package binlog

import (
	"database/sql"
	"errors"
	"slices"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// TestCheckpointReaders reads a stream's checkpoint as another process (a
// snapshot of the standby) does: the streams, the GTID set and pending DDL
// mark, and the shared lock that holds the applier's next commit back.
func TestCheckpointReaders(t *testing.T) {
	ctx := t.Context()
	db := cpStandby(t, "")
	s := cpStore(t, db, mysqlx.MariaDB)
	if err := s.Init(ctx, mustGTIDs(t, mysqlx.MariaDB, "0-1-5"), 1); err != nil {
		t.Fatal(err)
	}

	if ok, err := HasCheckpointTable(ctx, db); err != nil || !ok {
		t.Fatalf("HasCheckpointTable = %v, %v", ok, err)
	}
	streams, err := CheckpointStreams(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(streams, s.StreamID()) || !slices.IsSorted(streams) {
		t.Errorf("streams %q: want %s among them, sorted", streams, s.StreamID())
	}

	if gtids, pending, err := ReadCheckpointGTIDs(ctx, db, s.StreamID()); err != nil || gtids != "0-1-5" || pending != "" {
		t.Errorf("ReadCheckpointGTIDs = %q, %q, %v; want 0-1-5 without a pending DDL", gtids, pending, err)
	}
	if _, err := db.ExecContext(ctx, "UPDATE "+checkpointTable+" SET pending_ddl = '0-1-6' WHERE stream_id = ?", s.StreamID()); err != nil {
		t.Fatal(err)
	}
	if gtids, pending, err := ReadCheckpointGTIDs(ctx, db, s.StreamID()); err != nil || gtids != "0-1-5" || pending != "0-1-6" {
		t.Errorf("ReadCheckpointGTIDs = %q, %q, %v; want 0-1-5 with pending DDL 0-1-6", gtids, pending, err)
	}
	if _, _, err := ReadCheckpointGTIDs(ctx, db, s.StreamID()+".missing"); !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("ReadCheckpointGTIDs of a missing stream: %v, want sql.ErrNoRows", err)
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if gtids, err := LockCheckpointShared(ctx, tx, s.StreamID()); err != nil || gtids != "0-1-5" {
		t.Fatalf("LockCheckpointShared = %q, %v; want 0-1-5", gtids, err)
	}
	if _, err := LockCheckpointShared(ctx, tx, s.StreamID()+".missing"); !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("LockCheckpointShared of a missing stream: %v, want sql.ErrNoRows", err)
	}
	writer, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	if _, err := writer.ExecContext(ctx, "SET SESSION innodb_lock_wait_timeout = 1"); err != nil {
		t.Fatal(err)
	}
	_, err = writer.ExecContext(ctx, "UPDATE "+checkpointTable+" SET gtid_set = '0-1-7' WHERE stream_id = ?", s.StreamID())
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1205 { // ER_LOCK_WAIT_TIMEOUT
		t.Errorf("write of the locked row: %v, want a lock wait timeout", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.ExecContext(ctx, "UPDATE "+checkpointTable+" SET gtid_set = '0-1-7' WHERE stream_id = ?", s.StreamID()); err != nil {
		t.Errorf("write after the lock ended: %v", err)
	}
}
