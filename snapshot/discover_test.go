package snapshot

import (
	"strings"
	"testing"
)

func TestIsGenerated(t *testing.T) {
	for extra, want := range map[string]bool{
		"":                  false,
		"auto_increment":    false,
		"DEFAULT_GENERATED": false, // MySQL 8: DEFAULT CURRENT_TIMESTAMP and other expression defaults
		"DEFAULT_GENERATED on update CURRENT_TIMESTAMP": false,
		"VIRTUAL GENERATED":                             true,
		"STORED GENERATED":                              true,
		"VIRTUAL GENERATED INVISIBLE":                   true,
		"INVISIBLE":                                     false,
	} {
		if got := isGenerated(extra); got != want {
			t.Errorf("isGenerated(%q) = %v, want %v", extra, got, want)
		}
	}
}

func TestKeyCompare(t *testing.T) {
	key := []column{{name: "a"}, {name: "b"}, {name: "c"}}
	if got, want := keyCompare(key[:1], []string{"5"}, ">"), "`a` > 5"; got != want {
		t.Errorf("one column: %s, want %s", got, want)
	}
	got := keyCompare(key, []string{"1", "2", "3"}, "<=")
	want := "((`a` < 1) OR (`a` = 1 AND `b` < 2) OR (`a` = 1 AND `b` = 2 AND `c` <= 3))"
	if got != want {
		t.Errorf("three columns:\n got %s\nwant %s", got, want)
	}
}

func TestWithoutAutoIncrement(t *testing.T) {
	a := "CREATE TABLE `t` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB AUTO_INCREMENT=17 DEFAULT CHARSET=utf8mb4"
	b := "CREATE TABLE `t` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB AUTO_INCREMENT=9000 DEFAULT CHARSET=utf8mb4"
	if withoutAutoIncrement(a) != withoutAutoIncrement(b) {
		t.Errorf("the counter still differs:\n%s\n%s", withoutAutoIncrement(a), withoutAutoIncrement(b))
	}
	if !strings.Contains(withoutAutoIncrement(a), "`id` int NOT NULL AUTO_INCREMENT,") {
		t.Error("the column attribute AUTO_INCREMENT was removed too")
	}
	c := strings.Replace(b, "`id` int", "`id` bigint", 1)
	if withoutAutoIncrement(a) == withoutAutoIncrement(c) {
		t.Error("a real change was hidden")
	}
}
