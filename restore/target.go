package restore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// checkTarget runs before a restore writes anything: the target answers, and
// none of the databases the snapshot would create holds a table or routine
// there (or, with
// ReplaceDatabases, they are dropped, after a log line naming them).
func checkTarget(ctx context.Context, db *sql.DB, p *plan, opt Options) error {
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("connect to the target: %w", err)
	}
	var have []string
	for _, s := range p.schemas {
		var n int
		// An empty database is fine (created by hand, or a server's stock test
		// database): the snapshot's CREATE DATABASE IF NOT EXISTS keeps it.
		if err := db.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?) + "+
			"(SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?)", s.name, s.name).Scan(&n); err != nil {
			return fmt.Errorf("list the target's databases: %w", err)
		}
		if n > 0 {
			have = append(have, s.name)
		}
	}
	if len(have) == 0 {
		return nil
	}
	if !opt.ReplaceDatabases {
		return fmt.Errorf("%w: %s; restore into a server without them, leave them out with --exclude, or give "+
			"--replace-databases to drop and recreate them (their current contents are lost)",
			ErrTargetNotEmpty, strings.Join(have, ", "))
	}
	for _, name := range have {
		opt.Logger.WarnContext(ctx, "--replace-databases: dropping the target's database before restoring it", "database", name)
		if _, err := db.ExecContext(ctx, "DROP DATABASE "+quoteIdent(name)); err != nil {
			return fmt.Errorf("--replace-databases: drop database %s: %w", name, err)
		}
	}
	return nil
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
