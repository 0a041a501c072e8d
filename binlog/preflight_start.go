package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// ErrStartNotReached: a start GTID set the primary has not executed: beyond its
// position, or in a GTID domain (MariaDB) or server UUID (MySQL) it does not have.
// Streaming from it would fail, or (an unknown MariaDB domain) silently stream
// the primary's own domain from its beginning.
var ErrStartNotReached = errors.New("the primary has not executed this start position")

// CheckStart checks a stream's first position before anything is written: the
// primary has executed every transaction of start (its gtid_binlog_pos, MySQL's
// gtid_executed, contains it), and still has the binlogs of everything after it
// (CheckStartAvailable).
func CheckStart(ctx context.Context, db *sql.DB, srv mysqlx.Server, start mysqlx.GTIDSet) error {
	executed, _, err := mysqlx.ReadGTIDs(ctx, db, srv.Flavor)
	if err != nil {
		return fmt.Errorf("check start position %s: %w", start, err)
	}
	if err := startReached(executed, start); err != nil {
		return err
	}
	return CheckStartAvailable(ctx, db, srv, start)
}

// startReached is CheckStart's first half: start must be within executed.
func startReached(executed, start mysqlx.GTIDSet) error {
	beyond, err := start.Subtract(executed)
	if err != nil {
		return fmt.Errorf("check start position %s against the primary's %s: %w", start, executed, err)
	}
	if beyond.IsEmpty() {
		return nil
	}
	var what []string
	if ranges := beyond.Ranges(); len(ranges) > 0 {
		have := map[uint32]mysqlx.SeqRange{}
		for _, r := range executed.Ranges() {
			have[r.Domain] = r
		}
		for _, r := range ranges {
			if h, ok := have[r.Domain]; ok {
				what = append(what, fmt.Sprintf("domain %d up to %d, but the primary is at %d-%d-%d", r.Domain, r.Last,
					h.Domain, h.ServerID, h.Last))
			} else {
				what = append(what, fmt.Sprintf("domain %d, which the primary (at %s) has never written", r.Domain,
					orEmptySet(executed)))
			}
		}
	} else {
		what = append(what, fmt.Sprintf("%s, which the primary (at %s) has not executed", beyond, orEmptySet(executed)))
	}
	return fmt.Errorf("%w: %s asks for %s; give the GTID set the standby really holds "+
		"(e.g. the gtid_set of the snapshot it was loaded from)", ErrStartNotReached, start, strings.Join(what, "; "))
}
