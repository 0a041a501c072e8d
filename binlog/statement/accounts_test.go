package statement

import (
	"slices"
	"testing"
)

func TestAccounts(t *testing.T) {
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET PASSWORD FOR 'root'@'localhost'='*4ACFE3202A5FF5CF467898FC58AAB1D615029441'", []string{"root@localhost"}},
		{"create user u1@'%' identified by 'x, y', `u2`@`LOCALHOST`", []string{"u1@%", "u2@localhost"}},
		{"CREATE OR REPLACE USER IF NOT EXISTS pl", []string{"pl@%"}},
		{"alter user current_user() identified by 'z'", []string{"CURRENT_USER()"}},
		{"ALTER USER IF EXISTS 'a'@'h' ACCOUNT LOCK", []string{"a@h"}},
		{"drop user 'a'@'127.0.0.1', b", []string{"a@127.0.0.1", "b@%"}},
		{"RENAME USER a@h TO b@h, c TO d", []string{"a@h", "b@h", "c@%", "d@%"}},
		{"grant select, insert (a, b) on db.* to u1 identified by 'y', 'u2'@'h' with grant option", []string{"u1@%", "u2@h"}},
		{"GRANT PROXY ON 'x'@'y' TO 'p'@'q'", []string{"p@q"}},
		{"revoke all privileges, grant option from drop_user@localhost", []string{"drop_user@localhost"}},
		{"GRANT r1 TO CURRENT_ROLE", nil},
		{"SET DEFAULT ROLE r FOR 'u'@'h'", []string{"u@h"}},
		{"SET STATEMENT max_statement_time=1 FOR DROP USER x@y", []string{"x@y"}},
		{"CREATE ROLE r", nil},
		{"DROP TABLE t", nil},
	} {
		if got := Accounts(c.sql); !slices.Equal(got, c.want) {
			t.Errorf("Accounts(%q) = %q, want %q", c.sql, got, c.want)
		}
	}
}
