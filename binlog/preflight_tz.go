package binlog

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// TimeZoneProblems warns when the primary's statements may be logged with the
// session time zone 'SYSTEM' (its default time_zone is SYSTEM) and the standby's
// system time zone is another: a statement that used it (a DATETIME default
// computed from NOW(), a TIMESTAMP literal in a column default) would mean
// another instant there. Native replication has the same requirement. Failures
// to ask are not problems: nothing is reported then.
func TimeZoneProblems(ctx context.Context, source, standby *sql.DB) []Problem {
	const q = "SELECT @@global.time_zone, @@system_time_zone, " +
		"TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', 'SYSTEM'))"
	var srcTZ, srcSys, stbTZ, stbSys string
	var srcOff, stbOff sql.NullInt64
	if err := source.QueryRowContext(ctx, q).Scan(&srcTZ, &srcSys, &srcOff); err != nil {
		return nil
	}
	if err := standby.QueryRowContext(ctx, q).Scan(&stbTZ, &stbSys, &stbOff); err != nil {
		return nil
	}
	if !strings.EqualFold(srcTZ, "SYSTEM") || !srcOff.Valid || !stbOff.Valid || srcOff.Int64 == stbOff.Int64 {
		return nil
	}
	return []Problem{{SideStandby, "time_zone",
		fmt.Sprintf("the primary's time_zone is SYSTEM (%s, UTC%+d min) and the standby's system time zone is %s "+
			"(UTC%+d min): a DDL statement that uses the session time zone would mean another time on the standby",
			srcSys, srcOff.Int64, stbSys, stbOff.Int64),
		"set default_time_zone to the same named zone or offset on both servers (e.g. '+00:00')"}}
}
