// Package sanitize makes an existing mysqldump, mariadb-dump or mysqlpump
// dump loadable by a user without SUPER, as on RDS, Azure Database for MySQL
// or Cloud SQL: it removes the statements that need SUPER (SET
// @@GLOBAL.GTID_PURGED, SET GLOBAL gtid_slave_pos, CHANGE MASTER TO, the
// SQL_LOG_BIN switches) and strips or replaces the DEFINER clauses of views,
// triggers, routines and events.
//
// It edits statements only, never data. The dump is read with a statement-
// aware scanner (quotes with backslash escapes, --, # and /* */ comments,
// versioned /*!NNNNN */ comments as code, DELIMITER changes), and only the
// first tokens of a statement decide what it is; the rows of an INSERT that
// contain GTID_PURGED, SQL_LOG_BIN or DEFINER= come out byte for byte. This
// is what a sed over lines gets wrong: it deletes such rows, and it leaves
// the continuation lines of a GTID_PURGED that spans several lines.
//
// Memory is constant: data statements are copied through in slices of a
// fixed buffer, whatever the length of a line; only the statements that may
// be rewritten (SET, CHANGE MASTER) are held whole, up to a limit.
//
// StripDefiner does the DEFINER part for one statement, such as the output
// of SHOW CREATE VIEW.
package sanitize
