package snapshottest

import "fmt"

// Orders is the number of rows of shop.orders in Shop.
const Orders = 1500

// Shop is the default fixture: two databases, awkward values, a table
// without a primary key, an empty table and a view.
//
//	shop.customers  3 rows, 1 chunk (quotes, backslashes, NULL, utf8mb4, binary)
//	shop.orders     Orders rows in 3 chunks
//	shop.audit      2 rows, no primary key, dumped whole
//	shop.empty      no rows, one empty chunk
//	shop.order_totals  a view
//	crm.leads       2 rows
func Shop() []Schema {
	var chunks [][]string
	for c := 0; c < 3; c++ {
		var rows []string
		for i := c * Orders / 3; i < (c+1)*Orders/3; i++ {
			rows = append(rows, fmt.Sprintf("(%d,%d,%d.%02d,'2026-11-%02d 10:%02d:%02d.%06d','%s')",
				i+1, i%3+1, i*7%1000, i%100, i%28+1, i%60, i*13%60, i*997%1000000, fmt.Sprintf("order %d: ''quoted'' \\\\ done", i+1)))
		}
		chunks = append(chunks, rows)
	}
	return []Schema{
		{
			Name: "shop",
			Tables: []Table{
				{
					Name:   "audit",
					Create: "CREATE TABLE `audit` (\n  `at` int NOT NULL,\n  `msg` varchar(200) DEFAULT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
					Chunks: [][]string{{"(1,'created')", "(1,'created')"}},
				},
				{
					Name:   "customers",
					Create: "CREATE TABLE `customers` (\n  `id` int NOT NULL,\n  `name` varchar(100) NOT NULL,\n  `note` text DEFAULT NULL,\n  `tag` varbinary(8) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
					Key:    []string{"id"},
					Chunks: [][]string{{
						`(1,'O''Brien','said "hi" \\ left',X'00ff00')`,
						"(2,'Zoë 🚀','multi\\nline',X'61620000')",
						"(3,'NULL',NULL,NULL)",
					}},
				},
				{
					Name:   "empty",
					Create: "CREATE TABLE `empty` (\n  `id` int NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB",
					Key:    []string{"id"},
					Chunks: [][]string{{}},
				},
				{
					Name:   "orders",
					Create: "CREATE TABLE `orders` (\n  `id` bigint unsigned NOT NULL,\n  `customer_id` int NOT NULL,\n  `total` decimal(10,2) NOT NULL,\n  `placed` datetime(6) NOT NULL,\n  `memo` varchar(100) NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
					Key:    []string{"id"},
					Chunks: chunks,
				},
			},
			Objects: "DROP VIEW IF EXISTS `order_totals`;\nCREATE SQL SECURITY INVOKER VIEW `order_totals` AS SELECT `customer_id`, SUM(`total`) AS `total` FROM `orders` GROUP BY `customer_id`;\n",
		},
		{
			Name: "crm",
			Tables: []Table{{
				Name:   "leads",
				Create: "CREATE TABLE `leads` (\n  `id` int NOT NULL,\n  `email` varchar(100) NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
				Key:    []string{"id"},
				Chunks: [][]string{{"(1,'a@example.com')", "(2,'b@example.com')"}},
			}},
		},
	}
}
