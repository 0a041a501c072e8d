package main

import "fmt"

// The lists behind TestReplicateMariaDBTestSuites and TestReplicateRefusesMariaDBTests,
// from the one-file-per-pair exploration (TestReplicateMTRExplore; docs/replicate.md, "How it is tested").
// A file listed here that no longer exists fails the test, so that the lists follow
// the mariadb-test package.

// mtrBatchSize is the number of files one mariadb-test-run runs: small enough that a
// problem points at a dozen files, large enough that its start-up (about a second)
// does not count.
const mtrBatchSize = 15

// mtrSelection is what the test runs, minus the lists below: the files issue 8 names
// (types, character sets, triggers, stored programs, partitions, generated columns,
// JSON) and the DDL and DML around them. Files that restart the server are skipped by
// testenv, files that need a debug build or a plugin by mariadb-test-run itself.
func mtrSelection() []string {
	return []string{"main.type_*", "main.ctype_*", "main.trigger*", "main.sp*", "main.partition*",
		"gcol.*", "json.*", "main.json*", "main.view", "main.alter_table", "main.func_time", "main.func_json",
		"main.create", "main.default", "main.check_constraint", "main.insert*", "main.update*", "main.delete*",
		"main.replace", "main.multi_update", "main.dyncol", "main.cte_recursive", "main.derived", "main.grant*",
		"main.strict", "main.auto_increment", "main.truncate", "main.foreign_key", "main.sql_mode",
		"main.user_var", "main.events_1", "main.events_2"}
}

// mtrRefusal is a file whose SQL pilotlight rightly refuses: replicate must stop on
// it with one clear line containing want.
type mtrRefusal struct{ why, want string }

// mtrRefused lists the files pilotlight rightly refuses, each with the reason and the
// error it must stop with (TestReplicateRefusesMariaDBTests checks that on the first
// file of each refusal, one pair each).
func mtrRefused() map[string]mtrRefusal {
	versioned := mtrRefusal{"a table WITH SYSTEM VERSIONING: its history rows cannot be applied exactly",
		"is system-versioned"}
	statementDML := mtrRefusal{"a session switches to binlog_format=STATEMENT and runs DML: no row images to apply",
		"a row change was logged as a statement"}
	return map[string]mtrRefusal{
		"main.implicit_commit":                  statementDML,
		"main.partition_innodb_semi_consistent": statementDML,
		"main.ctype_cp932_binlog_row": {"RESET MASTER on the primary: its GTIDs restart and name other transactions",
			"binlog history went back"},
		"main.xa":        {"XA transactions: the prepared part arrives before its outcome", "an XA transaction"},
		"json.type_json": {"MariaDB COMPRESSED columns, which the binlog reader cannot decode", "COMPRESSED column"},
		"main.type_time": {"TIME(n) in MariaDB's pre-10.1 format, which the binlog reader cannot decode", "could not decode"},
		"main.alter_table": {"raises the primary's max_allowed_packet above the standby's, then stores a larger row",
			"max_allowed_packet"},
		"main.partition_error":              versioned,
		"main.partition_innodb":             versioned,
		"main.ctype_utf8mb4_unicode_ci_def": versioned,
	}
}

// mtrUnreplicable lists the files no replica can follow, pilotlight or native, and
// why: MariaDB logs something no server can run, or the file makes the primary's data
// outside the binlog.
func mtrUnreplicable() map[string]string {
	const tempRename = "MariaDB logs RENAME TABLE of a TEMPORARY table whose creation it did not log " +
		"(binlog_format=ROW, the event flagged like any other): the standby has no such table, and a native " +
		"replica stops there too"
	return map[string]string{
		"main.trigger": "MariaDB stores and logs a trigger body written INSERT/*!INTO*/t1 as INSERTINTOt1 " +
			"(its own SHOW CREATE TRIGGER shows it): no server can run it",
		"main.grant5":      "MariaDB logs SET DEFAULT ROLE for a role named `r``o'l\"e` as 'r`o'l\"e': no server can parse it",
		"main.temp_table":  tempRename,
		"main.grant2":      tempRename,
		"main.events_1":    damaged("mysql.event", 1545),
		"main.sp-destruct": damaged("mysql.proc", 1805),
		"main.partition": "the file creates a table in its session's default_storage_engine, which the binlog " +
			"does not record, in a form only that engine takes (pilotlight's preflight warns when the servers' " +
			"defaults differ; native replication has the same limit)",
	}
}

// damaged is why a file that damages a system table on the primary cannot be
// followed: MariaDB logs the next DROP DATABASE with the error the damage caused,
// which the standby's intact table does not raise (a native replica stops there too;
// pilotlight stops with the divergence).
func damaged(table string, errno int) string {
	return fmt.Sprintf("the file alters %s on the primary to test how the server copes with a damaged system "+
		"table; MariaDB then logs DROP DATABASE with error %d, which the standby's intact table does not raise "+
		"(a native replica stops there too)", table, errno)
}

// mtrSlow lists files too slow for the test's few minutes, with what takes the time.
func mtrSlow() map[string]string {
	const noKey = "a transaction changes thousands of rows of a table without a unique key: each row " +
		"is a scan on the standby, minutes in all (correct, caught up in the end)"
	const waits = "the file alone runs for half a minute or more (measured with nothing else running)"
	return map[string]string{
		"main.ctype_gbk": noKey, "main.ctype_gb2312": noKey, "main.ctype_euckr": noKey, "main.ctype_eucjpms": noKey,
		"main.ctype_big5": noKey, "main.delete_use_source": noKey, "main.ctype_ujis": noKey,
		"main.sp-lock": waits, "main.partition_exchange": waits, "main.sp_notembedded": waits,
		"main.ctype_collate_column": waits, "main.ctype_cp1251": waits,
	}
}
