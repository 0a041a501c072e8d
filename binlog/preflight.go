package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// Problem is one preflight finding: which side (SideSource or SideStandby), which
// check, what is wrong and the exact SQL or configuration line that fixes it.
type Problem struct {
	Side, Check, Problem, Fix string
}

// Sides of a Problem.
const (
	SideSource  = "source"
	SideStandby = "standby"
)

// Error renders the problem on one line, ending with its fix.
func (p Problem) Error() string {
	return fmt.Sprintf("%s %s: %s; fix: %s", p.Side, p.Check, p.Problem, p.Fix)
}

// Report is the outcome of a preflight check. Problems stop replication; Warnings
// (such as binlog_row_metadata not FULL, or MariaDB gtid_strict_mode off) are
// advice that an operator should read but that does not block a start.
type Report struct {
	Problems []Problem
	Warnings []Problem
}

// Err joins the problems into one error (each on its own line), nil when none.
// Warnings never make an error.
func (r Report) Err() error {
	errs := make([]error, len(r.Problems))
	for i, p := range r.Problems {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// add appends the problems and warnings of o.
func (r *Report) add(o Report) {
	r.Problems = append(r.Problems, o.Problems...)
	r.Warnings = append(r.Warnings, o.Warnings...)
}

// CheckSource checks that the primary srv (as read by mysqlx.DetectFlavor on db) can
// be streamed from: binary log on, ROW format with FULL row images, GTIDs, and the
// connected user's privileges: replication (REPLICATION SLAVE plus REPLICATION CLIENT,
// which MariaDB 10.5+ calls BINLOG MONITOR) and SELECT on schemas (on *.* when no
// schema is named). binlog_row_metadata other than FULL and MariaDB
// gtid_strict_mode=OFF are warnings. The error is for failures to ask the server;
// findings are in the Report.
func CheckSource(ctx context.Context, db *sql.DB, srv mysqlx.Server, schemas ...string) (Report, error) {
	r := sourceSettings(srv)
	g, err := readGrants(ctx, db)
	if err != nil {
		return Report{}, fmt.Errorf("source preflight: %w", err)
	}
	r.add(sourcePrivileges(srv, g, schemas))
	return r, nil
}

// CheckStandby checks that the standby srv can take what source streams: the same
// flavor and a version not older than the source's, a different server id, not
// super_read_only, and the connected user's privileges to create and write the
// `pilotlight` schema and to apply rows and DDL (SELECT, INSERT, UPDATE, DELETE,
// CREATE, ALTER, DROP, INDEX) on schemas (on *.* when no schema is named).
func CheckStandby(ctx context.Context, db *sql.DB, srv, source mysqlx.Server, schemas ...string) (Report, error) {
	r := standbySettings(srv, source)
	g, err := readGrants(ctx, db)
	if err != nil {
		return Report{}, fmt.Errorf("standby preflight: %w", err)
	}
	r.add(standbyPrivileges(g, schemas))
	return r, nil
}

// DefaultServerID is the replication client's server id for a stream when
// --server-id is not given: 0x7f000000 | (FNV-1a 32 of the stream id & 0xffffff).
// It is stable across restarts (the primary then replaces a stale connection of the
// same stream instead of keeping two), never 0, below 2^31 (tools that read server
// ids as signed 32-bit numbers stay happy) and in a range servers rarely use
// (2130706432..2147483647), so it is unlikely to collide with a real server's id.
// ServerIDProblems checks the collision anyway.
func DefaultServerID(streamID string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(streamID)) // never fails
	return 0x7f000000 | h.Sum32()&0xffffff
}

// ServerIDProblems reports the replication client's server id colliding with the
// source's or the standby's, and the two servers sharing one id.
func ServerIDProblems(clientID uint32, source, standby mysqlx.Server) []Problem {
	var out []Problem
	if clientID == 0 {
		out = append(out, Problem{SideSource, "server_id", "the replication client's server id is 0, which the primary refuses",
			"pass --server-id N with N from 1 to 4294967295 (or omit it for the stream's default)"})
	}
	for _, s := range []struct {
		side string
		srv  mysqlx.Server
	}{{SideSource, source}, {SideStandby, standby}} {
		if clientID != 0 && clientID == s.srv.ServerID {
			out = append(out, Problem{s.side, "server_id",
				fmt.Sprintf("the replication client's server id %d is the %s's own server_id", clientID, s.side),
				"pass another --server-id (or omit it for the stream's default)"})
		}
	}
	return out
}

// sourceSettings checks the primary's binary log settings.
func sourceSettings(srv mysqlx.Server) Report {
	var r Report
	bad := func(check, problem, fix string) {
		r.Problems = append(r.Problems, Problem{SideSource, check, problem, fix})
	}
	if !srv.LogBin {
		bad("log_bin", "the binary log is off, so there is nothing to stream",
			"add log_bin=binlog and server_id=N to the [mysqld] section and restart (RDS/Aurora: turn on automated backups)")
	}
	if srv.BinlogFormat != "ROW" {
		bad("binlog_format", fmt.Sprintf("binlog_format is %s; pilotlight applies row images and needs ROW", orNone(srv.BinlogFormat)),
			setGlobal(srv.Flavor, "binlog_format", "ROW")+" (new connections only: reconnect the applications)")
	}
	if srv.BinlogRowImage != "FULL" {
		bad("binlog_row_image", fmt.Sprintf("binlog_row_image is %s; pilotlight needs whole rows to apply exactly", orNone(srv.BinlogRowImage)),
			setGlobal(srv.Flavor, "binlog_row_image", "FULL"))
	}
	switch srv.Flavor {
	case mysqlx.MySQL:
		if srv.GTIDMode != "ON" {
			bad("gtid_mode", fmt.Sprintf("gtid_mode is %s; pilotlight tracks its position with GTIDs", orNone(srv.GTIDMode)),
				"SET PERSIST enforce_gtid_consistency=ON; then step gtid_mode OFF_PERMISSIVE, ON_PERMISSIVE, ON with SET PERSIST gtid_mode=... (or gtid_mode=ON and enforce_gtid_consistency=ON in [mysqld] and restart)")
		}
	case mysqlx.MariaDB:
		// MariaDB writes GTIDs into every binlog; strict mode only stops the
		// out-of-order sequence numbers that make positions ambiguous.
		if !srv.GTIDStrictMode {
			r.Warnings = append(r.Warnings, Problem{SideSource, "gtid_strict_mode",
				"gtid_strict_mode is OFF, so out-of-order GTIDs can make positions ambiguous",
				setGlobal(srv.Flavor, "gtid_strict_mode", "ON")})
		}
	}
	if srv.BinlogRowMetadata != "" && srv.BinlogRowMetadata != "FULL" {
		r.Warnings = append(r.Warnings, Problem{SideSource, "binlog_row_metadata",
			fmt.Sprintf("binlog_row_metadata is %s; with FULL the binlog names the columns, which guards against schema drift", srv.BinlogRowMetadata),
			setGlobal(srv.Flavor, "binlog_row_metadata", "FULL")})
	}
	return r
}

// standbySettings checks the standby against its source.
func standbySettings(srv, source mysqlx.Server) Report {
	var r Report
	bad := func(check, problem, fix string) {
		r.Problems = append(r.Problems, Problem{SideStandby, check, problem, fix})
	}
	if srv.Flavor != source.Flavor {
		bad("flavor", fmt.Sprintf("the standby is %s (%s) but the source is %s (%s); their types, collations and GTIDs differ",
			srv.Flavor, srv.Version, source.Flavor, source.Version),
			fmt.Sprintf("use a %s standby", source.Flavor))
	} else if older(srv.Version, source.Version) {
		bad("version", fmt.Sprintf("the standby runs %s, older than the source's %s, and may not accept its types or DDL", srv.Version, source.Version),
			fmt.Sprintf("upgrade the standby to %s or later", majorMinor(source.Version)))
	}
	if srv.ServerID == source.ServerID {
		bad("server_id", fmt.Sprintf("the standby and the source share server_id %d, so their GTIDs cannot be told apart", srv.ServerID),
			"SET GLOBAL server_id=N on the standby (and server_id=N in its [mysqld] section) with N unused by any other server")
	}
	if srv.SuperReadOnly {
		bad("super_read_only", "super_read_only is ON, so no user can write to the standby",
			"SET GLOBAL super_read_only=OFF (keep read_only=ON to fence applications)")
	}
	return r
}

// setGlobal is the fix for a global setting on the flavor: MySQL persists it, MariaDB
// needs the config line too.
func setGlobal(f mysqlx.Flavor, name, value string) string {
	if f == mysqlx.MySQL {
		return fmt.Sprintf("SET PERSIST %s='%s' (RDS/Aurora/Azure: set it in the parameter group)", name, value)
	}
	return fmt.Sprintf("SET GLOBAL %s='%s' and %s=%s in the [mysqld] section (RDS: set it in the parameter group)", name, value, name, value)
}

func orNone(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}

// majorMinor is the "10.11" of "10.11.6-MariaDB-0+deb12u1-log".
func majorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

// older reports whether version a's major.minor is below b's; unparsable versions
// are never older.
func older(a, b string) bool {
	var am, an, bm, bn int
	if _, err := fmt.Sscanf(a, "%d.%d", &am, &an); err != nil {
		return false
	}
	if _, err := fmt.Sscanf(b, "%d.%d", &bm, &bn); err != nil {
		return false
	}
	return am < bm || am == bm && an < bn
}
