package mysqlx

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/redact"
)

// Open returns a connection pool for the endpoint (see DriverConfig) after checking
// that the server answers and accepts the credentials. Errors name the endpoint with
// its password masked.
func (e Endpoint) Open(ctx context.Context) (*sql.DB, error) {
	return e.open(ctx, e.DriverConfig())
}

// open makes a pool with cfg (the endpoint's DriverConfig, maybe tuned) and
// checks that the server answers.
func (e Endpoint) open(ctx context.Context, cfg *mysql.Config) (*sql.DB, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %s", e, redact.String(err.Error(), e.Password))
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, e.wrap(err, "connect to %s", e)
	}
	return db, nil
}

// wrap adds context to err; when err's text would contain the password it is replaced
// by a masked copy (losing errors.Is on the cause, which is preferable to a leak).
func (e Endpoint) wrap(err error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if e.Password != "" && len(e.Password) >= 4 {
		if masked := redact.String(err.Error(), e.Password); masked != err.Error() {
			return fmt.Errorf("%s: %s", msg, masked)
		}
	}
	return fmt.Errorf("%s: %w", msg, err)
}
