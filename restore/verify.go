package restore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/pilotlight-dr/pilotlight/snapshot"
)

// TableCheck is the verification of one restored table.
type TableCheck struct {
	Schema, Table string
	Want, Have    int64 // rows in the manifest, rows on the target
	// Content says the rows were compared chunk by chunk with the manifest's
	// digests (format 2 snapshots); BadChunks names the chunks that differ.
	Content   bool
	BadChunks []string
}

// OK reports whether the table matches the snapshot.
func (c TableCheck) OK() bool { return c.Want == c.Have && len(c.BadChunks) == 0 }

// verify counts every restored table's rows on the target (threads tables at
// once) and compares them with the manifest. ErrVerify names the tables that
// differ.
func verify(ctx context.Context, db *sql.DB, p *plan, threads int) ([]TableCheck, error) {
	out := make([]TableCheck, len(p.tables))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(threads)
	for i, t := range p.tables {
		g.Go(func() error {
			c, err := checkTable(gctx, db, t)
			out[i] = c
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var bad []string
	for _, c := range out {
		switch {
		case c.Want != c.Have:
			bad = append(bad, fmt.Sprintf("%s.%s has %d rows, the snapshot %d", c.Schema, c.Table, c.Have, c.Want))
		case len(c.BadChunks) > 0:
			bad = append(bad, fmt.Sprintf("%s.%s differs from the snapshot in %s", c.Schema, c.Table, strings.Join(c.BadChunks, ", ")))
		}
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("%w: %s", ErrVerify, strings.Join(bad, "; "))
	}
	return out, nil
}

// checkTable counts t's rows on the target and, when the manifest has the
// chunks' digests, compares each chunk's rows with its digest.
func checkTable(ctx context.Context, db *sql.DB, t planTable) (TableCheck, error) {
	c := TableCheck{Schema: t.schema, Table: t.t.Name, Want: t.t.Rows}
	q := "SELECT COUNT(*) FROM " + quoteIdent(t.schema) + "." + quoteIdent(t.t.Name)
	if err := db.QueryRowContext(ctx, q).Scan(&c.Have); err != nil {
		return c, fmt.Errorf("verify %s.%s: %w", t.schema, t.t.Name, err)
	}
	if len(t.t.Chunks) == 0 || t.t.Chunks[0].Digest == "" {
		return c, nil // a format 1 snapshot: row counts only
	}
	digests, _, err := snapshot.ChunkDigests(ctx, db, t.schema, t.t.Name, t.t.Key, t.t.Chunks)
	if err != nil {
		return c, fmt.Errorf("verify %s.%s: %w", t.schema, t.t.Name, err)
	}
	c.Content = true
	for i, ch := range t.t.Chunks {
		if digests[i] != ch.Digest {
			c.BadChunks = append(c.BadChunks, ch.Key)
		}
	}
	return c, nil
}
