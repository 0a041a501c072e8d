package sanitize

import "testing"

func TestStripDefiner(t *testing.T) {
	cases := []struct{ name, in, strip, repl string }{
		{"show create view",
			"CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select 'DEFINER=`x`@`y` ' AS `a`",
			"CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 'DEFINER=`x`@`y` ' AS `a`",
			"CREATE ALGORITHM=UNDEFINED DEFINER=`app`@`%` SQL SECURITY DEFINER VIEW `v` AS select 'DEFINER=`x`@`y` ' AS `a`"},
		{"show create procedure",
			"CREATE DEFINER=`root`@`localhost` PROCEDURE `p`()\nBEGIN SELECT 'CREATE DEFINER=`a`@`b` '; END",
			"CREATE PROCEDURE `p`()\nBEGIN SELECT 'CREATE DEFINER=`a`@`b` '; END",
			"CREATE DEFINER=`app`@`%` PROCEDURE `p`()\nBEGIN SELECT 'CREATE DEFINER=`a`@`b` '; END"},
		{"function, quoted with single quotes",
			"CREATE DEFINER='rdsadmin'@'localhost' FUNCTION `f`(x INT) RETURNS int(11) RETURN x + 1",
			"CREATE FUNCTION `f`(x INT) RETURNS int(11) RETURN x + 1",
			"CREATE DEFINER=`app`@`%` FUNCTION `f`(x INT) RETURNS int(11) RETURN x + 1"},
		{"trigger, mysqldump versioned form",
			"/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `t` BEFORE INSERT ON `x` FOR EACH ROW SET NEW.a = 'DEFINER=' */",
			"/*!50003 CREATE*/ /*!50017 */ /*!50003 TRIGGER `t` BEFORE INSERT ON `x` FOR EACH ROW SET NEW.a = 'DEFINER=' */",
			"/*!50003 CREATE*/ /*!50017 DEFINER=`app`@`%`*/ /*!50003 TRIGGER `t` BEFORE INSERT ON `x` FOR EACH ROW SET NEW.a = 'DEFINER=' */"},
		{"view, mysqldump versioned form",
			"/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */\n/*!50001 VIEW `v` AS select 1 AS `1` */",
			"/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 SQL SECURITY DEFINER */\n/*!50001 VIEW `v` AS select 1 AS `1` */",
			"/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`app`@`%` SQL SECURITY DEFINER */\n/*!50001 VIEW `v` AS select 1 AS `1` */"},
		{"event, current_user()",
			"/*!50106 CREATE*/ /*!50117 DEFINER=CURRENT_USER()*/ /*!50106 EVENT `e` ON SCHEDULE EVERY 1 DAY DO DELETE FROM t */",
			"/*!50106 CREATE*/ /*!50117 */ /*!50106 EVENT `e` ON SCHEDULE EVERY 1 DAY DO DELETE FROM t */",
			"/*!50106 CREATE*/ /*!50117 DEFINER=`app`@`%`*/ /*!50106 EVENT `e` ON SCHEDULE EVERY 1 DAY DO DELETE FROM t */"},
		{"current_user, spaces, lower case",
			"create or replace definer = current_user sql security invoker view v as select 1",
			"create or replace sql security invoker view v as select 1",
			"create or replace DEFINER=`app`@`%` sql security invoker view v as select 1"},
		{"bare account",
			"CREATE DEFINER=admin@10.0.0.% EVENT e ON SCHEDULE AT NOW() DO SELECT 1",
			"CREATE EVENT e ON SCHEDULE AT NOW() DO SELECT 1",
			"CREATE DEFINER=`app`@`%` EVENT e ON SCHEDULE AT NOW() DO SELECT 1"},
		{"alter view",
			"ALTER ALGORITHM=MERGE DEFINER=`a`@`%` VIEW v AS SELECT 1",
			"ALTER ALGORITHM=MERGE VIEW v AS SELECT 1",
			"ALTER ALGORITHM=MERGE DEFINER=`app`@`%` VIEW v AS SELECT 1"},
		{"no definer", "CREATE VIEW v AS SELECT 'DEFINER=`a`@`b`'", "CREATE VIEW v AS SELECT 'DEFINER=`a`@`b`'", "CREATE VIEW v AS SELECT 'DEFINER=`a`@`b`'"},
		{"not a definer statement", "INSERT INTO t VALUES ('CREATE DEFINER=`a`@`b` VIEW')", "INSERT INTO t VALUES ('CREATE DEFINER=`a`@`b` VIEW')", "INSERT INTO t VALUES ('CREATE DEFINER=`a`@`b` VIEW')"},
		{"create table keeps its comment", "CREATE TABLE t (a int) COMMENT='DEFINER=`a`@`b`'", "CREATE TABLE t (a int) COMMENT='DEFINER=`a`@`b`'", "CREATE TABLE t (a int) COMMENT='DEFINER=`a`@`b`'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := StripDefiner(c.in, ""); got != c.strip {
				t.Errorf("strip:\n got %q\nwant %q", got, c.strip)
			}
			if got := StripDefiner(c.in, "app@%"); got != c.repl {
				t.Errorf("replace:\n got %q\nwant %q", got, c.repl)
			}
		})
	}
}

func TestQuoteAccount(t *testing.T) {
	for in, want := range map[string]string{
		"app@%": "`app`@`%`", "app": "`app`@`%`", "'app'@'10.0.%'": "`app`@`10.0.%`", "`a``b`@`h`": "`a``b`@`h`",
		"app@10.0.0.1": "`app`@`10.0.0.1`", "current_user()": "CURRENT_USER", " 'app' ": "`app`@`%`",
	} {
		got, err := QuoteAccount(in)
		if err != nil || got != want {
			t.Errorf("QuoteAccount(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "@host", "app@", "'app", "'app'x"} {
		if got, err := QuoteAccount(bad); err == nil {
			t.Errorf("QuoteAccount(%q) = %q, want an error", bad, got)
		}
	}
}
