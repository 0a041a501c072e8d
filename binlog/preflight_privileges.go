package binlog

import (
	"fmt"
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// standbyWritePrivileges are what the applier needs on the standby: reading and
// writing rows, replaying DDL, and creating and updating the `pilotlight` schema
// that holds the checkpoint.
var standbyWritePrivileges = []string{"SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP", "INDEX"}

// checkpointSchema is the standby schema holding the checkpoint (CheckStandby checks the grants for it).

// sourcePrivileges checks that the user can stream the binlog (REPLICATION SLAVE),
// list binlogs and read positions (REPLICATION CLIENT, MariaDB 10.5+: BINLOG
// MONITOR), and read the replicated schemas (SELECT; on *.* when none are named).
func sourcePrivileges(srv mysqlx.Server, g grants, schemas []string) Report {
	var r Report
	client := "REPLICATION CLIENT"
	if srv.Flavor == mysqlx.MariaDB && !older(srv.Version, "10.5") {
		client = "BINLOG MONITOR"
	}
	var repl []string
	if !g.has("REPLICATION SLAVE", "") {
		repl = append(repl, "REPLICATION SLAVE")
	}
	if !g.has("REPLICATION CLIENT", "") {
		repl = append(repl, client)
	}
	if len(repl) > 0 {
		r.Problems = append(r.Problems, Problem{SideSource, "privileges",
			fmt.Sprintf("%s lacks %s, needed to stream and list the binary logs%s", g.user, strings.Join(repl, " and "), roleNote(g)),
			fmt.Sprintf("GRANT %s ON *.* TO %s;", strings.Join(repl, ", "), g.user)})
	}
	if len(schemas) == 0 {
		if !g.has("SELECT", "") {
			r.Problems = append(r.Problems, Problem{SideSource, "privileges",
				fmt.Sprintf("%s lacks SELECT on *.*, needed to read the schemas of replicated tables%s", g.user, roleNote(g)),
				fmt.Sprintf("GRANT SELECT ON *.* TO %s; (or name the replicated schemas with --include)", g.user)})
		}
		return r
	}
	for _, s := range schemas {
		if !g.has("SELECT", s) {
			r.Problems = append(r.Problems, Problem{SideSource, "privileges",
				fmt.Sprintf("%s lacks SELECT on schema %s, needed to read its table definitions%s", g.user, s, roleNote(g)),
				fmt.Sprintf("GRANT SELECT ON %s.* TO %s;", quoteIdent(s), g.user)})
		}
	}
	return r
}

// standbyPrivileges checks that the user can create and write the checkpoint
// schema and apply rows and DDL to schemas (to *.* when none are named).
func standbyPrivileges(g grants, schemas []string) Report {
	var r Report
	targets := append([]string{checkpointSchema}, schemas...)
	if len(schemas) == 0 {
		if miss := g.missing(standbyWritePrivileges, ""); len(miss) > 0 {
			r.Problems = append(r.Problems, Problem{SideStandby, "privileges",
				fmt.Sprintf("%s lacks %s on *.*, needed to apply rows and DDL%s", g.user, strings.Join(miss, ", "), roleNote(g)),
				fmt.Sprintf("GRANT %s ON *.* TO %s; (or name the replicated schemas with --include)",
					strings.Join(standbyWritePrivileges, ", "), g.user)})
		}
		targets = targets[:1]
	}
	for _, s := range targets {
		if miss := g.missing(standbyWritePrivileges, s); len(miss) > 0 {
			why := "needed to apply rows and DDL"
			if s == checkpointSchema {
				why = "needed to create and write the checkpoint schema"
			}
			r.Problems = append(r.Problems, Problem{SideStandby, "privileges",
				fmt.Sprintf("%s lacks %s on schema %s, %s%s", g.user, strings.Join(miss, ", "), s, why, roleNote(g)),
				fmt.Sprintf("GRANT %s ON %s.* TO %s;", strings.Join(standbyWritePrivileges, ", "), quoteIdent(s), g.user)})
		}
	}
	return r
}

// roleNote explains that roles may hold the privilege, since SHOW GRANTS lists a
// granted role without its privileges.
func roleNote(g grants) string {
	if !g.roles {
		return ""
	}
	return " (privileges of granted roles are not counted: grant them directly)"
}

// quoteIdent quotes a schema name for a GRANT statement.
func quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}
