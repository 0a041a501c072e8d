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

// MismatchProblems compares the settings that decide what a statement creates
// or whether a row fits, and that the binlog does not record (max_allowed_packet
// too: a smaller one on the standby refuses a large row the primary took): a CREATE TABLE without ENGINE= takes each
// server's default_storage_engine, and table names are compared per
// lower_case_table_names. A different default engine is a warning (the tables
// would differ); different lower_case_table_names is a problem (names that are
// two tables on one server are one on the other). Failures to ask report
// nothing.
func MismatchProblems(ctx context.Context, source, standby *sql.DB) (problems, warnings []Problem) {
	const q = "SELECT @@global.default_storage_engine, @@global.lower_case_table_names, @@global.max_allowed_packet"
	var srcEngine, stbEngine string
	var srcLower, stbLower int
	var srcPacket, stbPacket int64
	if source.QueryRowContext(ctx, q).Scan(&srcEngine, &srcLower, &srcPacket) != nil ||
		standby.QueryRowContext(ctx, q).Scan(&stbEngine, &stbLower, &stbPacket) != nil {
		return nil, nil
	}
	if stbPacket < srcPacket {
		warnings = append(warnings, Problem{SideStandby, "max_allowed_packet",
			fmt.Sprintf("the standby's max_allowed_packet (%d bytes) is smaller than the primary's (%d): a row the "+
				"primary holds may be too large to apply", stbPacket, srcPacket),
			fmt.Sprintf("SET GLOBAL max_allowed_packet=%d on the standby, and max_allowed_packet=%d in its [mysqld] "+
				"section", srcPacket, srcPacket)})
	}
	if !strings.EqualFold(srcEngine, stbEngine) {
		warnings = append(warnings, Problem{SideStandby, "default_storage_engine",
			fmt.Sprintf("the primary's default_storage_engine is %s, the standby's %s: a CREATE TABLE without ENGINE= "+
				"would make a table of another engine on the standby", srcEngine, stbEngine),
			fmt.Sprintf("SET GLOBAL default_storage_engine=%s on the standby, and default_storage_engine=%s in its "+
				"[mysqld] section", srcEngine, srcEngine)})
	}
	if srcLower != stbLower {
		problems = append(problems, Problem{SideStandby, "lower_case_table_names",
			fmt.Sprintf("lower_case_table_names is %d on the primary and %d on the standby, so table names would not "+
				"map one to one", srcLower, stbLower),
			fmt.Sprintf("initialise the standby with lower_case_table_names=%d (it can only be set when the data "+
				"directory is created)", srcLower)})
	}
	return problems, warnings
}
