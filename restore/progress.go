package restore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// The restore's own state on the target, in the pilotlight schema (beside
// replicate's checkpoint): one row per restore and one per chunk loaded. A
// chunk's row commits in the transaction that loads its rows, so a rerun
// never loads a chunk twice and never skips one.
const (
	stateTable = "`pilotlight`.`restore`"
	chunkTable = "`pilotlight`.`restore_chunk`"
)

// Phases of a restore, in order, as its state row records them.
const (
	phaseLoading  = "loading"
	phaseComplete = "complete"
)

var progressDDL = []string{
	"CREATE DATABASE IF NOT EXISTS `pilotlight`",
	"CREATE TABLE IF NOT EXISTS " + stateTable + " (snapshot_id VARCHAR(64) NOT NULL PRIMARY KEY, " +
		"phase VARCHAR(16) NOT NULL, started_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), " +
		"finished_at TIMESTAMP(6) NULL) ENGINE=InnoDB DEFAULT CHARSET=ascii",
	"CREATE TABLE IF NOT EXISTS " + chunkTable + " (snapshot_id VARCHAR(64) NOT NULL, " +
		"chunk_key VARCHAR(700) NOT NULL, rows_loaded BIGINT NOT NULL, " +
		"loaded_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (snapshot_id, chunk_key)) " +
		"ENGINE=InnoDB DEFAULT CHARSET=ascii",
}

// ensureProgress creates the state tables when they are missing.
func ensureProgress(ctx context.Context, db *sql.DB) error {
	for _, q := range progressDDL {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create the restore's state tables in the pilotlight schema (grant CREATE, SELECT, "+
				"INSERT, UPDATE ON pilotlight.* to the restore user): %w", err)
		}
	}
	return nil
}

// loadPhase is the restore of snapshot id's phase on the target, "" when none
// was begun (or the state tables do not exist yet).
func loadPhase(ctx context.Context, db *sql.DB, id string) (string, error) {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'pilotlight' "+
		"AND TABLE_NAME = 'restore'").Scan(&n); err != nil {
		return "", fmt.Errorf("read the restore state: %w", err)
	}
	if n == 0 {
		return "", nil
	}
	var phase string
	err := db.QueryRowContext(ctx, "SELECT phase FROM "+stateTable+" WHERE snapshot_id = ?", id).Scan(&phase)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the restore state: %w", err)
	}
	return phase, nil
}

// setPhase records the restore's phase.
func setPhase(ctx context.Context, db *sql.DB, id, phase string) error {
	q := "INSERT INTO " + stateTable + " (snapshot_id, phase) VALUES (?, ?) ON DUPLICATE KEY UPDATE phase = VALUES(phase), " +
		"finished_at = IF(VALUES(phase) = '" + phaseComplete + "', CURRENT_TIMESTAMP(6), NULL)"
	if _, err := db.ExecContext(ctx, q, id, phase); err != nil {
		return fmt.Errorf("record the restore's phase %s: %w", phase, err)
	}
	return nil
}

// loadedChunks is the set of chunk keys of snapshot id already loaded.
func loadedChunks(ctx context.Context, db *sql.DB, id string) (map[string]int64, error) {
	rows, err := db.QueryContext(ctx, "SELECT chunk_key, rows_loaded FROM "+chunkTable+" WHERE snapshot_id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("read the chunks already loaded: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("read the chunks already loaded: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}

// chunkDoneSQL records a chunk in the transaction that loads it.
const chunkDoneSQL = "INSERT INTO " + chunkTable + " (snapshot_id, chunk_key, rows_loaded) VALUES (?, ?, ?)"
