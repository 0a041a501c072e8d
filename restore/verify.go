package restore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// TableCheck is the verification of one restored table.
type TableCheck struct {
	Schema, Table string
	Want, Have    int64 // rows in the manifest, rows on the target
}

// OK reports whether the table matches the snapshot.
func (c TableCheck) OK() bool { return c.Want == c.Have }

// verify counts every restored table's rows on the target and compares them
// with the manifest. ErrVerify names the tables that differ.
func verify(ctx context.Context, db *sql.DB, p *plan) ([]TableCheck, error) {
	var out []TableCheck
	var bad []string
	for _, t := range p.tables {
		c := TableCheck{Schema: t.schema, Table: t.t.Name, Want: t.t.Rows}
		q := "SELECT COUNT(*) FROM " + quoteIdent(t.schema) + "." + quoteIdent(t.t.Name)
		if err := db.QueryRowContext(ctx, q).Scan(&c.Have); err != nil {
			return out, fmt.Errorf("verify %s.%s: %w", t.schema, t.t.Name, err)
		}
		out = append(out, c)
		if !c.OK() {
			bad = append(bad, fmt.Sprintf("%s.%s has %d rows, the snapshot %d", t.schema, t.t.Name, c.Have, c.Want))
		}
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("%w: %s", ErrVerify, strings.Join(bad, "; "))
	}
	return out, nil
}
