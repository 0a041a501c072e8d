package restore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"
)

// TableCheck is the verification of one restored table.
type TableCheck struct {
	Schema, Table string
	Want, Have    int64 // rows in the manifest, rows on the target
}

// OK reports whether the table matches the snapshot.
func (c TableCheck) OK() bool { return c.Want == c.Have }

// verify counts every restored table's rows on the target (threads tables at
// once) and compares them with the manifest. ErrVerify names the tables that
// differ.
func verify(ctx context.Context, db *sql.DB, p *plan, threads int) ([]TableCheck, error) {
	out := make([]TableCheck, len(p.tables))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(threads)
	for i, t := range p.tables {
		g.Go(func() error {
			c := TableCheck{Schema: t.schema, Table: t.t.Name, Want: t.t.Rows}
			q := "SELECT COUNT(*) FROM " + quoteIdent(t.schema) + "." + quoteIdent(t.t.Name)
			if err := db.QueryRowContext(gctx, q).Scan(&c.Have); err != nil {
				return fmt.Errorf("verify %s.%s: %w", t.schema, t.t.Name, err)
			}
			out[i] = c
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var bad []string
	for _, c := range out {
		if !c.OK() {
			bad = append(bad, fmt.Sprintf("%s.%s has %d rows, the snapshot %d", c.Schema, c.Table, c.Have, c.Want))
		}
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("%w: %s", ErrVerify, strings.Join(bad, "; "))
	}
	return out, nil
}
