package restore

import (
	"slices"
	"testing"
)

func TestDeferIndexes(t *testing.T) {
	create := "CREATE TABLE `sbtest1` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `k` int(11) NOT NULL DEFAULT 0,\n" +
		"  `c` char(120) NOT NULL DEFAULT '',\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `u` (`c`),\n  KEY `k_1` (`k`),\n" +
		"  KEY `kc` (`k`,`c`(10)) COMMENT 'x, y'\n) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=latin1"
	table, keys := deferIndexes(create)
	want := "CREATE TABLE `sbtest1` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `k` int(11) NOT NULL DEFAULT 0,\n" +
		"  `c` char(120) NOT NULL DEFAULT '',\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `u` (`c`)\n) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=latin1"
	if table != want || !slices.Equal(keys, []string{"KEY `k_1` (`k`)", "KEY `kc` (`k`,`c`(10)) COMMENT 'x, y'"}) {
		t.Errorf("deferIndexes:\n%s\n%q", table, keys)
	}
	if got := addIndexesSQL("db", "sbtest1", keys); got != "ALTER TABLE `db`.`sbtest1` ADD KEY `k_1` (`k`), ADD KEY `kc` (`k`,`c`(10)) COMMENT 'x, y'" {
		t.Errorf("addIndexesSQL: %s", got)
	}
	fk := "CREATE TABLE `c` (\n  `id` int NOT NULL,\n  `p` int,\n  PRIMARY KEY (`id`),\n  KEY `p` (`p`),\n" +
		"  CONSTRAINT `f` FOREIGN KEY (`p`) REFERENCES `par` (`id`)\n) ENGINE=InnoDB"
	if table, keys := deferIndexes(fk); table != fk || keys != nil {
		t.Errorf("a table with a foreign key changed: %s %q", table, keys)
	}
	if table, keys := deferIndexes("CREATE TABLE t (a int)"); table != "CREATE TABLE t (a int)" || keys != nil {
		t.Errorf("another shape changed: %s %q", table, keys)
	}
}
