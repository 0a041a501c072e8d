package binlog

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
)

// SameServer reports whether source and standby reach the same server, under
// whatever names (127.0.0.1 and localhost, a DNS alias, a proxy): it takes a
// uniquely named user lock on the source and asks the standby whether that lock
// is in use. Named locks need no privilege, on MySQL and MariaDB alike.
func SameServer(ctx context.Context, source, standby *sql.DB) (bool, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return false, fmt.Errorf("same-server check: %w", err)
	}
	name := "pilotlight-identity-" + hex.EncodeToString(b[:])
	conn, err := source.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("same-server check: source: %w", err)
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", name).Scan(&got); err != nil {
		return false, fmt.Errorf("same-server check: source: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK(?)", name) }()
	if got.Int64 != 1 {
		return false, fmt.Errorf("same-server check: source refused the lock %s", name)
	}
	var used sql.NullInt64
	if err := standby.QueryRowContext(ctx, "SELECT IS_USED_LOCK(?)", name).Scan(&used); err != nil {
		return false, fmt.Errorf("same-server check: standby: %w", err)
	}
	return used.Valid, nil
}

// SameServerProblem is the preflight problem when --source and --standby reach one
// server.
func SameServerProblem(source, standby string) Problem {
	return Problem{SideStandby, "identity",
		fmt.Sprintf("--standby %s reaches the same server as --source %s, so replicate would apply the primary's "+
			"transactions to the primary itself", standby, source),
		"point --standby at the standby server (another host, or another port on this one)"}
}
