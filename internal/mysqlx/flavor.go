package mysqlx

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// Server is what DetectFlavor learned about a server: identity and the settings
// replication depends on. Settings the server's flavor lacks are left zero.
type Server struct {
	Flavor  Flavor
	Version string // VERSION(), such as 10.11.6-MariaDB-0+deb12u1-log or 8.4.3
	// ServerID is @@server_id. ServerUUID is MySQL's @@server_uuid; MariaDB has none
	// and is identified by ServerID and GTIDDomainID (see Identity).
	ServerID     uint32
	ServerUUID   string
	GTIDDomainID uint32 // MariaDB @@gtid_domain_id

	LogBin            bool
	BinlogFormat      string // ROW, MIXED, STATEMENT
	BinlogRowImage    string // FULL, MINIMAL, NOBLOB
	BinlogRowMetadata string // MINIMAL or FULL; "" when the server lacks the setting
	GTIDMode          string // MySQL @@gtid_mode (ON, OFF, ...); "" on MariaDB
	GTIDStrictMode    bool   // MariaDB @@gtid_strict_mode
	ReadOnly          bool
	SuperReadOnly     bool // MySQL only

	// GTIDExecuted is the set of transactions in the server's binary log: MySQL
	// @@GLOBAL.gtid_executed, MariaDB @@GLOBAL.gtid_binlog_pos (right for a primary).
	GTIDExecuted GTIDSet
	// GTIDCurrentPos is MariaDB's @@GLOBAL.gtid_current_pos: the binlog position or,
	// when the server last applied transactions as a replica, its replica position
	// (right for a standby). On MySQL it equals GTIDExecuted.
	GTIDCurrentPos GTIDSet
}

// Identity names the server in messages: its UUID on MySQL, server id and GTID
// domain on MariaDB.
func (s Server) Identity() string {
	if s.ServerUUID != "" {
		return s.ServerUUID
	}
	return fmt.Sprintf("server_id=%d gtid_domain_id=%d", s.ServerID, s.GTIDDomainID)
}

// serverVariables are read with SHOW GLOBAL VARIABLES, which, unlike SELECT @@x,
// does not fail when a variable does not exist on this flavor.
var serverVariables = []string{
	"version", "server_id", "server_uuid", "gtid_domain_id", "log_bin", "binlog_format",
	"binlog_row_image", "binlog_row_metadata", "gtid_mode", "gtid_strict_mode", "read_only",
	"super_read_only", "gtid_executed", "gtid_binlog_pos", "gtid_current_pos",
}

// DetectFlavor reads the server's version, identity, replication settings and GTID
// positions. The flavor is mariadb when the version string says MariaDB, else mysql.
func DetectFlavor(ctx context.Context, db *sql.DB) (Server, error) {
	vars, err := globalVariables(ctx, db, serverVariables)
	if err != nil {
		return Server{}, err
	}
	s := Server{Flavor: MySQL, Version: vars["version"]}
	if strings.Contains(strings.ToLower(s.Version), "mariadb") {
		s.Flavor = MariaDB
	}
	if s.Version == "" {
		return Server{}, fmt.Errorf("detect flavor: server reported no version variable")
	}
	for name, dst := range map[string]*uint32{"server_id": &s.ServerID, "gtid_domain_id": &s.GTIDDomainID} {
		if v, ok := vars[name]; ok {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return Server{}, fmt.Errorf("detect flavor: %s=%q is not a number", name, v)
			}
			*dst = uint32(n)
		}
	}
	s.ServerUUID = vars["server_uuid"]
	s.LogBin = isOn(vars["log_bin"])
	s.BinlogFormat = strings.ToUpper(vars["binlog_format"])
	s.BinlogRowImage = strings.ToUpper(vars["binlog_row_image"])
	s.BinlogRowMetadata = strings.ToUpper(vars["binlog_row_metadata"])
	s.GTIDMode = strings.ToUpper(vars["gtid_mode"])
	s.GTIDStrictMode = isOn(vars["gtid_strict_mode"])
	s.ReadOnly = isOn(vars["read_only"])
	s.SuperReadOnly = isOn(vars["super_read_only"])

	executed, current := vars["gtid_executed"], vars["gtid_executed"]
	if s.Flavor == MariaDB {
		executed, current = vars["gtid_binlog_pos"], vars["gtid_current_pos"]
	}
	if s.GTIDExecuted, err = Parse(s.Flavor, executed); err != nil {
		return Server{}, fmt.Errorf("detect flavor: executed GTIDs: %w", err)
	}
	if s.GTIDCurrentPos, err = Parse(s.Flavor, current); err != nil {
		return Server{}, fmt.Errorf("detect flavor: current GTID position: %w", err)
	}
	return s, nil
}

// ReadGTIDs reads only the executed GTID set and current position (see Server), for
// callers that poll them.
func ReadGTIDs(ctx context.Context, db *sql.DB, flavor Flavor) (executed, current GTIDSet, err error) {
	exName, curName := "gtid_executed", "gtid_executed"
	if flavor == MariaDB {
		exName, curName = "gtid_binlog_pos", "gtid_current_pos"
	}
	vars, err := globalVariables(ctx, db, []string{exName, curName})
	if err != nil {
		return GTIDSet{}, GTIDSet{}, err
	}
	if executed, err = Parse(flavor, vars[exName]); err != nil {
		return GTIDSet{}, GTIDSet{}, fmt.Errorf("read GTIDs: %w", err)
	}
	if current, err = Parse(flavor, vars[curName]); err != nil {
		return GTIDSet{}, GTIDSet{}, fmt.Errorf("read GTIDs: %w", err)
	}
	return executed, current, nil
}

// globalVariables returns the named global variables that exist on the server.
func globalVariables(ctx context.Context, db *sql.DB, names []string) (map[string]string, error) {
	// The names are this package's constants (identifiers, no quotes), so they are
	// inlined: not every server version prepares SHOW statements.
	q := "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('" + strings.Join(names, "', '") + "')"
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read server variables: %w", err)
	}
	defer rows.Close()
	vars := make(map[string]string, len(names))
	for rows.Next() {
		var name string
		var value sql.NullString
		if err := rows.Scan(&name, &value); err != nil {
			return nil, fmt.Errorf("read server variables: %w", err)
		}
		vars[strings.ToLower(name)] = value.String
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read server variables: %w", err)
	}
	return vars, nil
}

func isOn(v string) bool {
	switch strings.ToUpper(v) {
	case "ON", "1", "TRUE", "YES":
		return true
	}
	return false
}
