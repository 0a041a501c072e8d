package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// cpUserTable creates a throwaway user table and returns its quoted name.
func cpUserTable(t *testing.T, db *sql.DB) string {
	t.Helper()
	ctx := t.Context()
	name := fmt.Sprintf("`pl_cptest`.`rows_%x`", rand.Uint64())
	for _, q := range []string{"CREATE DATABASE IF NOT EXISTS `pl_cptest`",
		"CREATE TABLE " + name + " (id INT PRIMARY KEY, v VARCHAR(32)) ENGINE=InnoDB"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+name) })
	return name
}

func cpRowExists(t *testing.T, db *sql.DB, table string, id int) bool {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table+" WHERE id = ?", id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// applyTx inserts row id and advances the checkpoint in one transaction; commit
// decides between Commit and Rollback. It returns Advance's error (after rolling back).
func applyTx(t *testing.T, db *sql.DB, s *CheckpointStore, table string, id int, cp Checkpoint, commit bool) error {
	t.Helper()
	ctx := t.Context()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+table+" (id, v) VALUES (?, 'x')", id); err != nil {
		t.Fatal(err)
	}
	if err := s.Advance(ctx, tx, cp); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			t.Fatal(rerr)
		}
		return err
	}
	if !commit {
		return tx.Rollback()
	}
	return tx.Commit()
}

func TestCheckpointExactlyOnce(t *testing.T) {
	t.Parallel()
	db := cpStandby(t, "+00:00")
	s := cpStore(t, db, mysqlx.MariaDB)
	table := cpUserTable(t, db)
	if err := s.Init(t.Context(), mysqlx.GTIDSet{}, 7); err != nil {
		t.Fatal(err)
	}
	first := mustGTIDs(t, mysqlx.MariaDB, "0-1-1")
	if err := applyTx(t, db, s, table, 1, Checkpoint{GTIDs: first, Token: 7}, true); err != nil {
		t.Fatal(err)
	}
	if !cpRowExists(t, db, table, 1) || !mustLoad(t, s).GTIDs.Equal(first) {
		t.Fatalf("committed: row=%v checkpoint=%v", cpRowExists(t, db, table, 1), mustLoad(t, s).GTIDs)
	}
	second := mustGTIDs(t, mysqlx.MariaDB, "0-1-2")
	if err := applyTx(t, db, s, table, 2, Checkpoint{GTIDs: second, Token: 7}, false); err != nil {
		t.Fatal(err)
	}
	if cpRowExists(t, db, table, 2) {
		t.Error("rolled-back row is visible")
	}
	if cp := mustLoad(t, s); !cp.GTIDs.Equal(first) {
		t.Errorf("rolled-back checkpoint is visible: %v, want %v", cp.GTIDs, first)
	}
}

func TestCheckpointFencing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := cpStandby(t, "")
	a := cpStore(t, db, mysqlx.MariaDB)
	b, err := NewCheckpointStore(db, a.StreamID(), mysqlx.MariaDB)
	if err != nil {
		t.Fatal(err)
	}
	table := cpUserTable(t, db)
	if err := a.Init(ctx, mustGTIDs(t, mysqlx.MariaDB, "0-1-10"), 1); err != nil {
		t.Fatal(err)
	}
	if err := applyTx(t, db, a, table, 1, Checkpoint{GTIDs: mustGTIDs(t, mysqlx.MariaDB, "0-1-11"), Token: 1}, true); err != nil {
		t.Fatalf("A before B claims: %v", err)
	}
	if err := b.Claim(ctx, 2); err != nil {
		t.Fatal(err)
	}
	err = applyTx(t, db, a, table, 2, Checkpoint{GTIDs: mustGTIDs(t, mysqlx.MariaDB, "0-1-12"), Token: 1}, true)
	if !errors.Is(err, ErrFenced) {
		t.Fatalf("stale A's Advance: %v, want ErrFenced", err)
	}
	if cpRowExists(t, db, table, 2) {
		t.Error("stale A's row was committed")
	}
	if err := applyTx(t, db, b, table, 3, Checkpoint{GTIDs: mustGTIDs(t, mysqlx.MariaDB, "0-1-12"), Token: 2}, true); err != nil {
		t.Fatalf("B's Advance: %v", err)
	}
	if cp := mustLoad(t, b); cp.Token != 2 || !cp.GTIDs.Equal(mustGTIDs(t, mysqlx.MariaDB, "0-1-12")) || !cpRowExists(t, db, table, 3) {
		t.Fatalf("after B: %+v", cp)
	}
	for _, token := range []uint64{1, 2} {
		if err := a.Claim(ctx, token); !errors.Is(err, ErrFenced) {
			t.Errorf("Claim(%d) with stored token 2: %v, want ErrFenced", token, err)
		}
	}
	// A token the holder never claimed is refused too.
	if err := advanceTx(t, db, b, Checkpoint{GTIDs: mustGTIDs(t, mysqlx.MariaDB, "0-1-13"), Token: 3}); !errors.Is(err, ErrFenced) {
		t.Errorf("Advance with an unclaimed token: %v, want ErrFenced", err)
	}
}

func TestCheckpointRefusesBackwards(t *testing.T) {
	t.Parallel()
	db := cpStandby(t, "")
	s := cpStore(t, db, mysqlx.MariaDB)
	if err := s.Init(t.Context(), mustGTIDs(t, mysqlx.MariaDB, "0-1-10,1-1-5"), 1); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"0-1-9,1-1-5", "0-1-11", ""} {
		err := advanceTx(t, db, s, Checkpoint{GTIDs: mustGTIDs(t, mysqlx.MariaDB, bad), Token: 1})
		if !errors.Is(err, ErrCheckpointBackwards) {
			t.Errorf("Advance to %q: %v, want ErrCheckpointBackwards", bad, err)
		}
	}
	if err := advanceTx(t, db, s, Checkpoint{GTIDs: mustGTIDs(t, mysqlx.MySQL, ""), Token: 1}); err == nil {
		t.Error("a MySQL set was accepted by a MariaDB checkpoint")
	}
	if err := advanceTx(t, db, s, Checkpoint{StreamID: "other", GTIDs: mustGTIDs(t, mysqlx.MariaDB, "0-1-11,1-1-5"), Token: 1}); err == nil {
		t.Error("a checkpoint of another stream was accepted")
	}
	good := mustGTIDs(t, mysqlx.MariaDB, "0-1-11,1-1-5,2-2-1")
	if err := advanceTx(t, db, s, Checkpoint{GTIDs: good, Token: 1}); err != nil {
		t.Fatal(err)
	}
	if cp := mustLoad(t, s); !cp.GTIDs.Equal(good) {
		t.Fatalf("Load: %v, want %v", cp.GTIDs, good)
	}
}

func TestCheckpointEnsureWithoutPrivilege(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := testenv.MariaDBStandby(t)
	root := cpStandby(t, "")
	user := fmt.Sprintf("pl_nocreate_%x", rand.Uint32())
	if _, err := root.ExecContext(ctx, "CREATE USER '"+user+"'@'%' IDENTIFIED BY 'pw-nocreate'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = root.ExecContext(context.Background(), "DROP USER '"+user+"'@'%'") })
	if srv.Password != "" {
		t.Skip("root has a password; DSN rewriting assumes none")
	}
	dsn := strings.Replace(srv.DSN(""), srv.User+"@", user+":pw-nocreate@", 1)
	db := cpOpen(t, dsn, "")
	s, err := NewCheckpointStore(db, cpStreamID(t), mysqlx.MariaDB)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Ensure(ctx)
	if err == nil {
		t.Fatal("Ensure succeeded without CREATE privilege")
	}
	want := "GRANT CREATE, ALTER, SELECT, INSERT, UPDATE ON `pilotlight`.* TO '" + user + "'@'%'"
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("Ensure error %q does not name %q", err, want)
	}
	t.Logf("Ensure without privilege: %v", err)

	// With the tables in place and only DML granted, Ensure succeeds.
	if err := cpStore(t, root, mysqlx.MariaDB).Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := root.ExecContext(ctx, "GRANT SELECT, INSERT, UPDATE ON `pilotlight`.* TO '"+user+"'@'%'"); err != nil {
		t.Fatal(err)
	}
	if err := s.Ensure(ctx); err != nil {
		t.Fatalf("Ensure with DML grants on existing tables: %v", err)
	}
}

// TestCheckpointClaimWaitsForInFlightAdvance: a Claim issued while the old holder's
// transaction holds the row lock waits for it; the old holder's commit stands (it
// happened before the claim), and its next Advance is fenced.
func TestCheckpointClaimWaitsForInFlightAdvance(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := cpStandby(t, "")
	a := cpStore(t, db, mysqlx.MariaDB)
	b, _ := NewCheckpointStore(db, a.StreamID(), mysqlx.MariaDB)
	if err := a.Init(ctx, mysqlx.GTIDSet{}, 1); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := a.Advance(ctx, tx, Checkpoint{GTIDs: mustGTIDs(t, mysqlx.MariaDB, "0-1-1"), Token: 1}); err != nil {
		t.Fatal(err)
	}
	claimed := make(chan error, 1)
	go func() { claimed <- b.Claim(ctx, 2) }()
	select {
	case err := <-claimed:
		t.Fatalf("Claim returned (%v) while A's transaction held the checkpoint row", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-claimed; err != nil {
		t.Fatalf("Claim after A committed: %v", err)
	}
	if cp := mustLoad(t, b); cp.Token != 2 || !cp.GTIDs.Equal(mustGTIDs(t, mysqlx.MariaDB, "0-1-1")) {
		t.Fatalf("after claim: %+v", cp)
	}
	if err := advanceTx(t, db, a, Checkpoint{GTIDs: mustGTIDs(t, mysqlx.MariaDB, "0-1-2"), Token: 1}); !errors.Is(err, ErrFenced) {
		t.Fatalf("A after B's claim: %v, want ErrFenced", err)
	}
}
