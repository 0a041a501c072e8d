package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// querier is a *sql.DB or a *sql.Conn.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// PurgeBinaryLogs purges every binary log but the newest and waits until the server has
// really dropped them: MariaDB keeps a file that InnoDB has not checkpointed past (PURGE
// only notes it), so one PURGE right after a FLUSH BINARY LOGS may remove nothing. It
// returns the newest file's name.
func PurgeBinaryLogs(ctx context.Context, db querier) (string, error) {
	logs, err := binaryLogs(ctx, db)
	if err != nil {
		return "", err
	}
	newest := logs[len(logs)-1]
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := db.ExecContext(ctx, "PURGE BINARY LOGS TO '"+newest+"'"); err != nil {
			return "", fmt.Errorf("purge binary logs to %s: %w", newest, err)
		}
		if logs, err = binaryLogs(ctx, db); err != nil {
			return "", err
		}
		if logs[0] == newest {
			return newest, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("PURGE BINARY LOGS TO '%s' still leaves %s after 30s", newest, logs[0])
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// binaryLogs lists SHOW BINARY LOGS' file names, oldest first.
func binaryLogs(ctx context.Context, db querier) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SHOW BINARY LOGS")
	if err != nil {
		return nil, fmt.Errorf("show binary logs: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		dest := make([]any, len(cols))
		var name string
		dest[0] = &name
		for i := 1; i < len(dest); i++ {
			dest[i] = new(sql.RawBytes)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("show binary logs: %w", err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("show binary logs: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("show binary logs: no binary log (is log_bin on?)")
	}
	return names, nil
}
