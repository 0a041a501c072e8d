package restore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
)

// disableEvents disables every enabled event of the restored databases: a
// plain copy must not start running the primary's scheduled jobs. Each is
// logged.
func disableEvents(ctx context.Context, db *sql.DB, p *plan, log *slog.Logger) error {
	restored := map[string]bool{}
	for _, s := range p.schemas {
		restored[s.name] = s.objects != nil
	}
	rows, err := db.QueryContext(ctx, "SELECT EVENT_SCHEMA, EVENT_NAME FROM information_schema.EVENTS WHERE STATUS = 'ENABLED'")
	if err != nil {
		return fmt.Errorf("list the restored events: %w", err)
	}
	type event struct{ schema, name string }
	var events []event
	for rows.Next() {
		var e event
		if err := rows.Scan(&e.schema, &e.name); err != nil {
			rows.Close()
			return fmt.Errorf("list the restored events: %w", err)
		}
		if restored[e.schema] {
			events = append(events, e)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list the restored events: %w", err)
	}
	for _, e := range events {
		if _, err := db.ExecContext(ctx, "ALTER EVENT "+quoteIdent(e.schema)+"."+quoteIdent(e.name)+" DISABLE"); err != nil {
			return fmt.Errorf("disable event %s.%s: %w", e.schema, e.name, err)
		}
		log.InfoContext(ctx, "event disabled on the restored copy (--enable-events leaves them enabled)",
			"event", e.schema+"."+e.name)
	}
	return nil
}
