package binlog

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pilotlight-dr/pilotlight/binlog/statement"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// recreateGroup holds (held) or releases (!held) the triggers of one group that
// are not in that state yet, recreating each with the definer, sql_mode and
// character set it was created with, in place: the ordering clause keeps it
// between its neighbours. It returns the triggers it changed.
func recreateGroup(ctx context.Context, conn *sql.Conn, flavor mysqlx.Flavor, group []standbyTrigger,
	held bool) ([]HeldObject, error) {
	var changed []HeldObject
	for k, t := range group {
		if t.held == held {
			continue
		}
		order := ""
		switch {
		case k+1 < len(group):
			order = "PRECEDES " + quoteIdent(group[k+1].Name)
		case k > 0:
			order = "FOLLOWS " + quoteIdent(group[k-1].Name)
		}
		if err := recreateTrigger(ctx, conn, flavor, t, order, held); err != nil {
			return changed, err
		}
		changed = append(changed, t.HeldObject)
	}
	return changed, nil
}

// recreateTrigger reads a trigger's definition as SHOW CREATE TRIGGER gives it
// (in the character set it was written in: binary results, as mysqldump reads
// it) and creates it again, held or released, in its own session context.
func recreateTrigger(ctx context.Context, conn *sql.Conn, flavor mysqlx.Flavor, t standbyTrigger, order string,
	held bool) error {
	name := quoteIdent(t.Schema) + "." + quoteIdent(t.Name)
	if _, err := conn.ExecContext(ctx, "SET SESSION character_set_results = binary"); err != nil {
		return fmt.Errorf("read trigger %s: %w", name, err)
	}
	var trigger, mode, create, client, collation, dbCollation []byte
	var created sql.NullString
	row := conn.QueryRowContext(ctx, "SHOW CREATE TRIGGER "+name)
	err := row.Scan(&trigger, &mode, &create, &client, &collation, &dbCollation, &created)
	if err != nil {
		return fmt.Errorf("read trigger %s: %w", name, err)
	}
	text, ok := statement.RecreateTrigger(string(create), flavor == mysqlx.MariaDB, order, held)
	if !ok {
		return fmt.Errorf("trigger %s: cannot read its definition %.120q", name, create)
	}
	setup := "SET SESSION sql_mode = " + quoteString(string(mode)) + ", character_set_client = " +
		quoteString(string(client)) + ", collation_connection = " + quoteString(string(collation))
	if _, err := conn.ExecContext(ctx, setup); err != nil {
		return fmt.Errorf("trigger %s: %s: %w", name, setup, err)
	}
	if flavor != mysqlx.MariaDB { // MySQL has no CREATE OR REPLACE TRIGGER
		text = "DROP TRIGGER " + name + ";\n" + text
	}
	if _, err := conn.ExecContext(ctx, "USE "+quoteIdent(t.Schema)); err != nil {
		return fmt.Errorf("trigger %s: %w", name, err)
	}
	_, err = conn.ExecContext(ctx, text)
	if _, rerr := conn.ExecContext(ctx, "SET NAMES utf8mb4"); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		what := "hold"
		if !held {
			what = "release"
		}
		return fmt.Errorf("%s trigger %s: %w", what, name, err)
	}
	return nil
}
