package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/binlog/statement"
	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// Sentinel errors of statements the applier refuses (wrapped; fatal).
var (
	// ErrStatementDML: a row change logged as a statement (the session on the
	// primary ran with binlog_format STATEMENT or MIXED). pilotlight applies row
	// images only: re-running the statement on the standby could change other
	// rows than it did on the primary (NOW(), RAND(), LIMIT without ORDER BY,
	// triggers, a standby whose data differs), so it stops instead.
	ErrStatementDML = errors.New("a row change was logged as a statement, not as rows")
	// ErrAccountRefused: the standby refused an account statement (CREATE USER,
	// GRANT...) for lack of a privilege.
	ErrAccountRefused = errors.New("the standby refused an account statement")
	// ErrOwnAccount: an account statement would change or remove the account
	// replicate itself applies as on the standby.
	ErrOwnAccount = errors.New("an account statement changes the account pilotlight applies as")
	// ErrUnsupportedTable: a table whose rows pilotlight cannot apply exactly (a
	// MariaDB system-versioned table); --exclude leaves it out.
	ErrUnsupportedTable = errors.New("a table pilotlight cannot apply")
	// ErrHistoryRewound: the primary's binlog history went back past the
	// checkpoint (RESET MASTER, a primary restored from a backup, another server
	// at its address): it numbers transactions the standby already has the same
	// GTIDs as those, so following it would skip them silently.
	ErrHistoryRewound = errors.New("the primary's binlog history went back past the standby's checkpoint")
)

// historyRewound is the fatal error for a primary whose history went back past
// the checkpoint; what says how it showed.
func historyRewound(what string, checkpoint mysqlx.GTIDSet) error {
	return fmt.Errorf("%w: %s (the standby's checkpoint is %s); the same GTIDs may now name other transactions, "+
		"so the standby cannot follow this primary safely: seed it again from a snapshot of this primary, or, if you "+
		"know the standby holds exactly the primary's history up to a GTID set, give it with pilotlight checkpoint set",
		ErrHistoryRewound, what, orEmptySet(checkpoint))
}

// statementDMLError is the fatal error for a statement-based row change.
func statementDMLError(gtid string, e Query, st statement.Statement) error {
	table := "a table"
	if st.Name != "" {
		schema := st.Schema
		if schema == "" {
			schema = e.Schema
		}
		table = quoteIdent(schema) + "." + quoteIdent(st.Name)
		if schema == "" {
			table = quoteIdent(st.Name)
		}
	}
	return fmt.Errorf("apply transaction %s: %w: %s on %s (%.120q): a session on the primary ran it with "+
		"binlog_format=STATEMENT or MIXED, so the binlog has no row images for it; fix: keep every session on ROW "+
		"(revoke SUPER/BINLOG ADMIN from applications, which lets them change binlog_format), then seed the standby again "+
		"from a snapshot taken after this transaction; or, if the table need not be on the standby, "+
		"leave it out with --exclude", gtid, ErrStatementDML, st.Verb, table, statement.Redact(e.SQL))
}

// privilegeInMessage finds the privilege a server's access-denied message names
// ("you need (at least one of) the CREATE USER privilege(s)").
var privilegeInMessage = regexp.MustCompile(`the ([A-Z][A-Z _,]*?) privilege`)

// accountRefusedError is the fatal error for an account statement the standby
// refused: it names the GTID, the statement (without secrets), the privilege and
// both ways on.
func accountRefusedError(ctx context.Context, db *sql.DB, gtid, text string, cause error) error {
	fix := "grant the applier the privilege the standby names"
	if m := privilegeInMessage.FindStringSubmatch(cause.Error()); m != nil {
		priv := strings.TrimSpace(m[1])
		account, _ := deniedAccount(ctx, db, cause)
		if account == "" {
			account = "'<applier>'@'<host>'"
		}
		fix = fmt.Sprintf("grant it (GRANT %s ON *.* TO %s)", priv, account)
		if strings.Contains(priv, ",") {
			fix = fmt.Sprintf("grant one of %s (GRANT ... ON *.* TO %s)", priv, account)
		}
	} else if strings.Contains(strings.ToUpper(text), "GRANT") {
		fix = "grant the applier the privileges this statement grants, WITH GRANT OPTION"
	}
	return fmt.Errorf("apply transaction %s: %w: %.200q: %v; a promoted standby needs the application's accounts: "+
		"%s, or start replicate with --skip-account-statements (each skipped statement is logged and counted)",
		gtid, ErrAccountRefused, statement.Redact(text), cause, fix)
}

// ownAccountError is nil unless the account statement, as the standby would run
// it (sql), changes self, the account the applier is on the standby: its
// password (SET PASSWORD, ALTER USER, GRANT ... IDENTIFIED), its privileges
// (REVOKE) or its existence (DROP, RENAME, CREATE OR REPLACE USER). Applied, it
// would cut replicate off the standby at its next connection, with the standby
// looking fine until then. A GRANT that only adds privileges is harmless.
func ownAccountError(gtid, sql string, st statement.Statement, self string) error {
	if st.Verb == "GRANT" && !strings.Contains(strings.ToUpper(sql), "IDENTIFIED") {
		return nil
	}
	for _, a := range statement.Accounts(sql) {
		if a != self && a != "CURRENT_USER()" {
			continue
		}
		return fmt.Errorf("apply transaction %s: %w: %.200q changes %s, the account pilotlight itself applies as "+
			"on the standby, which would lose its access there at its next connection; fix: give pilotlight an "+
			"account of its own on the standby, one the primary's history does not change (docs/replicate.md, "+
			"\"Grants\"), and start again with it; or start replicate with --skip-account-statements",
			gtid, ErrOwnAccount, statement.Redact(sql), quoteAccount(self))
	}
	return nil
}

// mysqlErrno is the server error number in err, 0 when there is none.
func mysqlErrno(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}
