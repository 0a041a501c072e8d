package binlog

import (
	"strconv"
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// OPTION_* bits of a query event's flags2 (sql_priv.h). MariaDB adds its own.
const (
	optAutoIsNull            = 1 << 14
	optNoCheckConstraints    = 1 << 15 // MariaDB
	optExplicitDefTimestamp  = 1 << 24 // MariaDB
	optNoForeignKeyChecks    = 1 << 26
	optRelaxedUniqueChecks   = 1 << 27
	optIfExists              = 1 << 28 // MariaDB 10.5+
	optInsertHistory         = 1 << 30 // MariaDB 10.11+
	maxAssignmentsPerContext = 20
)

// assignment is one session variable of a statement's context.
type assignment struct{ name, value string }

// assignments lists the session variables that put a standby session in c, the
// way mysqlbinlog writes them before a statement it replays: numbers where the
// server takes them (sql_mode bits, collation ids, lc_time_names), since both
// servers have the same flavor. Variables a newer server added are set only when
// they differ from their default, so that an older standby never meets a name it
// does not know.
//
// character_set_client is a character set: the event records a collation id, and
// a number there names only a character set's default collation, so charset
// turns the id into its character set's name (as mariadb-binlog prints it).
func (c SessionContext) assignments(flavor mysqlx.Flavor, charset func(collation uint16) string) []assignment {
	out := make([]assignment, 0, maxAssignmentsPerContext)
	add := func(name, value string) { out = append(out, assignment{name, value}) }
	bit := func(mask uint32, inverted bool) string {
		if (c.Flags2&mask != 0) != inverted {
			return "1"
		}
		return "0"
	}
	if c.HasFlags2 {
		add("foreign_key_checks", bit(optNoForeignKeyChecks, true))
		add("unique_checks", bit(optRelaxedUniqueChecks, true))
		add("sql_auto_is_null", bit(optAutoIsNull, false))
		if flavor == mysqlx.MariaDB {
			add("check_constraint_checks", bit(optNoCheckConstraints, true))
			add("explicit_defaults_for_timestamp", bit(optExplicitDefTimestamp, false))
			if c.Flags2&optIfExists != 0 {
				add("sql_if_exists", "1")
			}
			if c.Flags2&optInsertHistory != 0 {
				add("system_versioning_insert_history", "1")
			}
		}
	}
	if c.HasSQLMode {
		add("sql_mode", strconv.FormatUint(c.SQLMode, 10))
	}
	if c.HasAutoIncrement {
		add("auto_increment_increment", strconv.Itoa(int(c.AutoIncrementIncrement)))
		add("auto_increment_offset", strconv.Itoa(int(c.AutoIncrementOffset)))
	}
	if c.HasCharset {
		client := strconv.Itoa(int(c.CharsetClient))
		if name := charset(c.CharsetClient); name != "" {
			client = quoteString(name)
		}
		add("character_set_client", client)
		add("collation_connection", strconv.Itoa(int(c.CollationConnection)))
		add("collation_server", strconv.Itoa(int(c.CollationServer)))
	}
	if c.HasLCTimeNames {
		add("lc_time_names", strconv.Itoa(int(c.LCTimeNames)))
	}
	if c.CollationDatabase != 0 {
		add("collation_database", strconv.Itoa(int(c.CollationDatabase)))
	} else {
		add("collation_database", "DEFAULT")
	}
	if c.TimeZone != "" {
		add("time_zone", quoteString(c.TimeZone))
	}
	if flavor == mysqlx.MySQL {
		if c.ExplicitDefaultsForTimestamp >= 0 {
			add("explicit_defaults_for_timestamp", strconv.Itoa(int(c.ExplicitDefaultsForTimestamp)))
		}
		if c.DefaultCollationForUTF8MB4 != 0 {
			add("default_collation_for_utf8mb4", strconv.Itoa(int(c.DefaultCollationForUTF8MB4)))
		}
		if c.SQLRequirePrimaryKey > 0 {
			add("sql_require_primary_key", "1")
		}
		if c.DefaultTableEncryption > 0 {
			add("default_table_encryption", "1")
		}
	}
	if !c.Time.IsZero() {
		add("timestamp", c.timestampText())
	}
	return out
}

// contextSQL is the SET statement that puts a session in c ("" when c records
// nothing), and the one that takes it back to the applier's own settings
// afterwards: every variable it set back to its default, then applySession and
// the connection's utf8mb4 again.
func (c SessionContext) contextSQL(flavor mysqlx.Flavor, charset func(uint16) string) (set, restore string) {
	session := applySession
	if flavor == mysqlx.MariaDB {
		session = applySessionMariaDB
	}
	as := c.assignments(flavor, charset)
	if len(as) == 0 {
		return "", ""
	}
	var b, r strings.Builder
	b.WriteString("SET ")
	r.WriteString("SET ")
	for i, a := range as {
		if i > 0 {
			b.WriteString(", ")
			r.WriteString(", ")
		}
		b.WriteString("@@session." + a.name + " = " + a.value)
		r.WriteString("@@session." + a.name + " = DEFAULT")
	}
	r.WriteString(";\n" + session + ";\nSET NAMES utf8mb4")
	return b.String(), r.String()
}
