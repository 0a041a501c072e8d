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

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// cpStandby opens the shared standby as root, with the session time zone zone (""
// leaves the server's default).
func cpStandby(t *testing.T, zone string) *sql.DB {
	t.Helper()
	return cpOpen(t, testenv.MariaDBStandby(t).DSN(""), zone)
}

func cpOpen(t *testing.T, dsn, zone string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if zone != "" {
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["time_zone"] = "'" + zone + "'"
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// cpStreamID is a stream id no other test (or test run) uses.
func cpStreamID(t *testing.T) string {
	name := strings.NewReplacer("/", ".", " ", "_").Replace(t.Name())
	if len(name) > 40 {
		name = name[:40]
	}
	return fmt.Sprintf("%s.%x", name, rand.Uint64())
}

// cpStore returns an ensured store for a fresh stream id, removing the row afterwards.
func cpStore(t *testing.T, db *sql.DB, flavor mysqlx.Flavor) *CheckpointStore {
	t.Helper()
	s, err := NewCheckpointStore(db, cpStreamID(t), flavor)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ensure(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = db.ExecContext(context.Background(), "DELETE FROM "+checkpointTable+" WHERE stream_id = ?", s.StreamID())
	})
	return s
}

func mustGTIDs(t *testing.T, flavor mysqlx.Flavor, s string) mysqlx.GTIDSet {
	t.Helper()
	g, err := mysqlx.Parse(flavor, s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustLoad(t *testing.T, s *CheckpointStore) Checkpoint {
	t.Helper()
	cp, ok, err := s.Load(t.Context())
	if err != nil || !ok {
		t.Fatalf("Load: ok=%v err=%v", ok, err)
	}
	return cp
}

// advanceTx runs Advance in its own transaction and commits it.
func advanceTx(t *testing.T, db *sql.DB, s *CheckpointStore, cp Checkpoint) error {
	t.Helper()
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Advance(t.Context(), tx, cp); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func TestNewCheckpointStoreValidates(t *testing.T) {
	t.Parallel()
	db := &sql.DB{} // never used: validation fails first or nothing is queried
	for _, id := range []string{"", "a b", "x;DROP", "é", strings.Repeat("a", 65), "a/b"} {
		if _, err := NewCheckpointStore(db, id, mysqlx.MariaDB); err == nil {
			t.Errorf("stream id %q accepted", id)
		}
	}
	for _, id := range []string{"a", "prod-eu.db_1", strings.Repeat("Z", 64)} {
		if _, err := NewCheckpointStore(db, id, mysqlx.MySQL); err != nil {
			t.Errorf("stream id %q: %v", id, err)
		}
	}
	if _, err := NewCheckpointStore(db, "a", "postgres"); err == nil {
		t.Error("unknown flavor accepted")
	}
	if _, err := NewCheckpointStore(nil, "a", mysqlx.MySQL); err == nil {
		t.Error("nil db accepted")
	}
}

func TestParseUnixMicros(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Time{
		"1700000000.123456": time.Unix(1700000000, 123456000).UTC(),
		"1700000000.000001": time.Unix(1700000000, 1000).UTC(),
		"1700000000":        time.Unix(1700000000, 0).UTC(),
		"0.000000":          {},
	} {
		got, err := parseUnixMicros(sql.NullString{String: in, Valid: true})
		if err != nil || !got.Equal(want) || got.Location() != want.Location() {
			t.Errorf("%q: got %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := parseUnixMicros(sql.NullString{}); err != nil || !got.IsZero() {
		t.Errorf("NULL: got %v, %v", got, err)
	}
	if _, err := parseUnixMicros(sql.NullString{String: "x.1", Valid: true}); err == nil {
		t.Error("garbage accepted")
	}
}

func TestCheckpointEnsureInitLoad(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := cpStandby(t, "")
	s := cpStore(t, db, mysqlx.MariaDB)
	if err := s.Ensure(ctx); err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	if _, ok, err := s.Load(ctx); ok || err != nil {
		t.Fatalf("Load before Init: ok=%v err=%v", ok, err)
	}
	if err := s.Claim(ctx, 1); !errors.Is(err, ErrNoCheckpoint) {
		t.Fatalf("Claim before Init: %v, want ErrNoCheckpoint", err)
	}
	gtids := mustGTIDs(t, mysqlx.MariaDB, "0-1-5,1-2-7")
	before := time.Now()
	if err := s.Init(ctx, gtids, 3); err != nil {
		t.Fatal(err)
	}
	cp := mustLoad(t, s)
	if !cp.GTIDs.Equal(gtids) || cp.Token != 3 || !cp.SourceCommit.IsZero() || cp.StreamID != s.StreamID() {
		t.Fatalf("after Init: %+v", cp)
	}
	if d := cp.UpdatedAt.Sub(before); d < -5*time.Second || d > time.Minute || cp.UpdatedAt.Location() != time.UTC {
		t.Errorf("UpdatedAt %v, test started %v", cp.UpdatedAt, before)
	}
	if err := s.Init(ctx, mysqlx.GTIDSet{}, 4); !errors.Is(err, ErrCheckpointExists) {
		t.Fatalf("second Init: %v, want ErrCheckpointExists", err)
	}

	commit := time.Date(2024, 3, 10, 12, 34, 56, 123456000, time.UTC)
	next := mustGTIDs(t, mysqlx.MariaDB, "0-1-9,1-2-7,2-3-1")
	if err := advanceTx(t, db, s, Checkpoint{GTIDs: next, SourceCommit: commit, Token: 3}); err != nil {
		t.Fatal(err)
	}
	cp = mustLoad(t, s)
	if !cp.GTIDs.Equal(next) || cp.Token != 3 || !cp.SourceCommit.Equal(commit) || cp.SourceCommit.Location() != time.UTC {
		t.Fatalf("after Advance: %+v", cp)
	}
	// A zero commit time keeps the stored one.
	if err := advanceTx(t, db, s, Checkpoint{GTIDs: next, Token: 3}); err != nil {
		t.Fatal(err)
	}
	if cp = mustLoad(t, s); !cp.SourceCommit.Equal(commit) {
		t.Fatalf("zero SourceCommit replaced the stored one: %v", cp.SourceCommit)
	}
}

func TestCheckpointMySQLFlavorRoundTrip(t *testing.T) {
	t.Parallel()
	db := cpStandby(t, "")
	s := cpStore(t, db, mysqlx.MySQL)
	const uuid = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	start := mustGTIDs(t, mysqlx.MySQL, uuid+":1-100:105,"+"4e11fa47-71ca-11e1-9e33-c80aa9429562:1-5")
	if err := s.Init(t.Context(), start, 1); err != nil {
		t.Fatal(err)
	}
	if cp := mustLoad(t, s); !cp.GTIDs.Equal(start) || cp.GTIDs.Flavor() != mysqlx.MySQL {
		t.Fatalf("Load: %v", cp.GTIDs)
	}
	if err := s.Init(t.Context(), mustGTIDs(t, mysqlx.MariaDB, "0-1-1"), 1); err == nil {
		t.Error("MariaDB set accepted by a MySQL checkpoint")
	}
	// Filling the gap 101-104 is progress; dropping 105 is not.
	full := mustGTIDs(t, mysqlx.MySQL, uuid+":1-105,4e11fa47-71ca-11e1-9e33-c80aa9429562:1-5")
	if err := advanceTx(t, db, s, Checkpoint{GTIDs: full, Token: 1}); err != nil {
		t.Fatal(err)
	}
	back := mustGTIDs(t, mysqlx.MySQL, uuid+":1-104,4e11fa47-71ca-11e1-9e33-c80aa9429562:1-6")
	if err := advanceTx(t, db, s, Checkpoint{GTIDs: back, Token: 1}); !errors.Is(err, ErrCheckpointBackwards) {
		t.Fatalf("Advance dropping %s:105: %v, want ErrCheckpointBackwards", uuid, err)
	}
}

// TestCheckpointTimeZones writes and reads through sessions in different time zones:
// the stored instant must be the same, to the microsecond, in every one of them.
func TestCheckpointTimeZones(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	east, west, utc := cpStandby(t, "+05:30"), cpStandby(t, "-07:00"), cpStandby(t, "+00:00")
	s := cpStore(t, east, mysqlx.MariaDB)
	if err := s.Init(ctx, mysqlx.GTIDSet{}, 1); err != nil {
		t.Fatal(err)
	}
	commit := time.Date(2025, 11, 2, 1, 30, 0, 999999000, time.FixedZone("x", -4*3600))
	tx, err := east.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := s.Advance(ctx, tx, Checkpoint{GTIDs: mustGTIDs(t, mysqlx.MariaDB, "0-1-1"), SourceCommit: commit, Token: 1}); err != nil {
		t.Fatal(err)
	}
	var zone string
	if err := tx.QueryRowContext(ctx, "SELECT @@session.time_zone").Scan(&zone); err != nil || zone != "+05:30" {
		t.Fatalf("session time zone after Advance: %q, %v; want the caller's +05:30 back", zone, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for name, db := range map[string]*sql.DB{"+05:30": east, "-07:00": west, "+00:00": utc} {
		r, _ := NewCheckpointStore(db, s.StreamID(), mysqlx.MariaDB)
		if cp := mustLoad(t, r); !cp.SourceCommit.Equal(commit) {
			t.Errorf("Load in %s: %v, want %v", name, cp.SourceCommit, commit.UTC())
		}
	}
	var text string
	if err := utc.QueryRowContext(ctx, "SELECT DATE_FORMAT(source_commit_ts, '%Y-%m-%d %H:%i:%s.%f') FROM "+
		checkpointTable+" WHERE stream_id = ?", s.StreamID()).Scan(&text); err != nil {
		t.Fatal(err)
	}
	if want := "2025-11-02 05:30:00.999999"; text != want {
		t.Errorf("stored value read in UTC: %s, want %s", text, want)
	}
	if err := advanceTx(t, east, s, Checkpoint{GTIDs: mustGTIDs(t, mysqlx.MariaDB, "0-1-1"),
		SourceCommit: time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), Token: 1}); err == nil {
		t.Error("a commit time beyond the TIMESTAMP range was accepted")
	}
}

// TestCheckpointUpgradesLayout1: a standby whose pilotlight tables were created by
// an older pilotlight (layout 1, no pending_ddl) is upgraded in place by Ensure,
// and its checkpoint row survives.
func TestCheckpointUpgradesLayout1(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := testenv.NewMariaDB(t)
	db := cpOpen(t, srv.DSN(""), "")
	for _, q := range []string{
		"CREATE DATABASE pilotlight",
		"CREATE TABLE pilotlight.schema_version (component VARCHAR(64) NOT NULL PRIMARY KEY, version INT UNSIGNED NOT NULL, " +
			"updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))",
		"CREATE TABLE pilotlight.checkpoint (stream_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY, " +
			"flavor VARCHAR(16) CHARACTER SET ascii NOT NULL, gtid_set MEDIUMTEXT CHARACTER SET ascii NOT NULL, " +
			"source_commit_ts TIMESTAMP(6) NULL DEFAULT NULL, fencing_token BIGINT UNSIGNED NOT NULL, " +
			"updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))",
		"INSERT INTO pilotlight.schema_version (component, version) VALUES ('checkpoint', 1)",
		"INSERT INTO pilotlight.checkpoint (stream_id, flavor, gtid_set, fencing_token) VALUES ('old', 'mariadb', '0-1-42', 5)",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s, err := NewCheckpointStore(db, "old", mysqlx.MariaDB)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ensure(ctx); err != nil {
		t.Fatalf("Ensure on layout 1: %v", err)
	}
	cp := mustLoad(t, s)
	if cp.GTIDs.String() != "0-1-42" || cp.Token != 5 || cp.PendingDDL != "" {
		t.Errorf("checkpoint after the upgrade: %+v", cp)
	}
	var v int
	if err := db.QueryRowContext(ctx, "SELECT version FROM pilotlight.schema_version WHERE component = 'checkpoint'").Scan(&v); err != nil || v != checkpointVersion {
		t.Errorf("layout version %d (%v), want %d", v, err, checkpointVersion)
	}
	if err := s.Ensure(ctx); err != nil {
		t.Errorf("Ensure again: %v", err)
	}
}
