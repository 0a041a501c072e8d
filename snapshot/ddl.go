package snapshot

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pilotlight-dr/pilotlight/binlog/statement"
	"github.com/pilotlight-dr/pilotlight/snapshot/sanitize"
)

// schemaHeader starts every schema object. Schema text is read and written
// as utf8mb4 (names, comments and defaults are stored in UTF-8).
const schemaHeader = "/*!40101 SET NAMES utf8mb4*/;\n" +
	"/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n" +
	"/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO'*/;\n" +
	"/*!40103 SET TIME_ZONE='+00:00'*/;\n"

// showCreate runs SHOW CREATE ... and returns column col of its one row.
func showCreate(ctx context.Context, db *sql.DB, q string, col int) ([]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", q, err)
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
		return nil, fmt.Errorf("%s: no such object (dropped during the snapshot?)", q)
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("%s: %w", q, err)
	}
	if col >= len(vals) || !vals[col].Valid {
		return nil, fmt.Errorf("%s: the server returned no definition: the snapshot user may not read this object's body "+
			"(grant SHOW VIEW for views, SHOW CREATE ROUTINE or SELECT on mysql.proc for routines, TRIGGER for triggers, EVENT for events)", q)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v.String
	}
	return out, nil
}

// writeCreateDatabase writes database s's CREATE DATABASE (IF NOT EXISTS, so
// that a load into an empty database made by hand works).
func writeCreateDatabase(ctx context.Context, db *sql.DB, s string, w *bufio.Writer) error {
	r, err := showCreate(ctx, db, "SHOW CREATE DATABASE "+quoteIdent(s), 1)
	if err != nil {
		return err
	}
	create := r[1]
	if rest, ok := strings.CutPrefix(create, "CREATE DATABASE "); ok && !strings.Contains(create, "IF NOT EXISTS") {
		create = "CREATE DATABASE /*!32312 IF NOT EXISTS*/ " + rest
	}
	_, err = w.WriteString(schemaHeader + create + ";\n")
	return err
}

// writeCreateTable writes t's CREATE TABLE, as read before the snapshot's
// point (t.create). It is a plain CREATE: loading over an existing table
// fails instead of replacing data.
func writeCreateTable(t *tableInfo, w *bufio.Writer) error {
	_, err := w.WriteString(schemaHeader + "USE " + quoteIdent(t.schema) + ";\n" + t.create + ";\n")
	return err
}

// readCreateTables reads every table's CREATE TABLE into t.create.
func readCreateTables(ctx context.Context, db *sql.DB, tables []*tableInfo) error {
	for _, t := range tables {
		r, err := showCreate(ctx, db, "SHOW CREATE TABLE "+t.qualified(), 1)
		if err != nil {
			return err
		}
		t.create = r[1]
	}
	return nil
}

// checkSchemaUnchanged fails when a table's definition now differs from the
// one read before the snapshot's point: a DDL statement ran during the
// snapshot, so the schema objects, the rows and the GTID set may not
// describe the same moment (an ALTER that InnoDB does in place does not stop
// a consistent read). The AUTO_INCREMENT counter is not part of the
// comparison.
func checkSchemaUnchanged(ctx context.Context, db *sql.DB, tables []*tableInfo) error {
	for _, t := range tables {
		r, err := showCreate(ctx, db, "SHOW CREATE TABLE "+t.qualified(), 1)
		if err != nil {
			return fmt.Errorf("%w (was it dropped or renamed during the snapshot?)", err)
		}
		if withoutAutoIncrement(r[1]) != withoutAutoIncrement(t.create) {
			return fmt.Errorf("%w: the definition of %s changed while the snapshot ran (a DDL statement); run the snapshot again when no schema change is running",
				ErrInconsistent, t.qualified())
		}
	}
	return nil
}

// withoutAutoIncrement drops the " AUTO_INCREMENT=N" table option, which
// moves with every insert, from a CREATE TABLE.
func withoutAutoIncrement(create string) string {
	const opt = " AUTO_INCREMENT="
	i := strings.LastIndex(create, opt)
	if i < 0 {
		return create
	}
	j := i + len(opt)
	for j < len(create) && create[j] >= '0' && create[j] <= '9' {
		j++
	}
	return create[:i] + create[j:]
}

// dbObject is a view, routine, trigger or event of one database.
type dbObject struct {
	kind, name string
}

// listObjects lists database s's routines, views (that keep(s, view) accepts),
// the triggers of the tables in tables and events, in the order a load must
// create them.
func listObjects(ctx context.Context, db *sql.DB, s string, keep Filter, tables map[string]bool) ([]dbObject, error) {
	var out []dbObject
	queries := []struct{ kind, q string }{
		// Routines before views: a view that calls a function cannot be created
		// before it (a routine's body is not checked when it is created).
		{"ROUTINE", "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_TYPE, ROUTINE_NAME"},
		{"VIEW", "SELECT TABLE_NAME, '' FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME"},
		{"TRIGGER", "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER, TRIGGER_NAME"},
		{"EVENT", "SELECT EVENT_NAME, '' FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME"},
	}
	for _, lq := range queries {
		rows, err := db.QueryContext(ctx, lq.q, s)
		if err != nil {
			return nil, fmt.Errorf("list the %ss of %s: %w", strings.ToLower(lq.kind), s, err)
		}
		for rows.Next() {
			var name, extra string
			if err := rows.Scan(&name, &extra); err != nil {
				rows.Close()
				return nil, fmt.Errorf("list the %ss of %s: %w", strings.ToLower(lq.kind), s, err)
			}
			kind := lq.kind
			switch {
			case kind == "VIEW" && keep != nil && !keep(s, name):
				continue
			case kind == "ROUTINE":
				kind = extra // PROCEDURE or FUNCTION
			case kind == "TRIGGER" && !tables[extra]:
				continue
			}
			out = append(out, dbObject{kind: kind, name: name})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("list the %ss of %s: %w", strings.ToLower(lq.kind), s, err)
		}
	}
	return out, nil
}

// writeObjects writes the views, routines, triggers and events of database s,
// without DEFINER clauses (a load makes them the loading user's, which is
// what a managed target without SUPER allows). Views first get a stand-in of
// the same columns, so that views built on other views load in any order.
func writeObjects(ctx context.Context, db *sql.DB, s string, objs []dbObject, w *bufio.Writer) error {
	if _, err := w.WriteString(schemaHeader + "USE " + quoteIdent(s) + ";\n"); err != nil {
		return err
	}
	for _, o := range objs {
		if o.kind != "VIEW" {
			continue
		}
		cols, err := viewColumns(ctx, db, s, o.name)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "CREATE OR REPLACE VIEW %s AS SELECT %s;\n", quoteIdent(o.name), cols)
	}
	for _, o := range objs {
		q := "SHOW CREATE " + o.kind + " " + quoteIdent(s) + "." + quoteIdent(o.name)
		col := map[string]int{"VIEW": 1, "PROCEDURE": 2, "FUNCTION": 2, "TRIGGER": 2, "EVENT": 3}[o.kind]
		r, err := showCreate(ctx, db, q, col)
		if err != nil {
			return err
		}
		body := sanitize.StripDefiner(r[col], "")
		switch o.kind {
		case "TRIGGER":
			// A pilotlight standby holds its triggers (binlog/statement): write the
			// definition the primary has. Triggers are listed in firing order, so
			// they load in it without their FOLLOWS/PRECEDES clauses.
			if plain, ok := statement.RecreateTrigger(body, false, "", false); ok {
				body = plain
			}
		case "EVENT":
			body = statement.ReleaseEvent(body) // held on a standby: enabled on the primary
		}
		if o.kind == "VIEW" {
			body = "CREATE OR REPLACE " + strings.TrimPrefix(body, "CREATE ")
			fmt.Fprintf(w, "%s;\n", body)
			continue
		}
		fmt.Fprintf(w, "/*!50003 SET SESSION SQL_MODE=%s*/;\n", appendQuoted(nil, []byte(r[1])))
		if o.kind == "EVENT" {
			fmt.Fprintf(w, "/*!50106 SET TIME_ZONE=%s*/;\n", appendQuoted(nil, []byte(r[2])))
		}
		fmt.Fprintf(w, "DELIMITER ;;\n%s;;\nDELIMITER ;\n", body)
	}
	_, err := w.WriteString("/*!50003 SET SESSION SQL_MODE='NO_AUTO_VALUE_ON_ZERO'*/;\n/*!40103 SET TIME_ZONE='+00:00'*/;\n")
	return err
}

// viewColumns is "1 AS `a`, 1 AS `b`" for view s.v's columns.
func viewColumns(ctx context.Context, db *sql.DB, s, v string) (string, error) {
	rows, err := db.QueryContext(ctx, "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", s, v)
	if err != nil {
		return "", fmt.Errorf("columns of view %s.%s: %w", s, v, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", fmt.Errorf("columns of view %s.%s: %w", s, v, err)
		}
		cols = append(cols, "1 AS "+quoteIdent(c))
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("columns of view %s.%s: %w", s, v, err)
	}
	if len(cols) == 0 {
		return "1", nil
	}
	return strings.Join(cols, ", "), nil
}
