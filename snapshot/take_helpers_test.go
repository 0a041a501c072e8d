package snapshot

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/file"
)

// tkServer is a private MariaDB with a database/sql pool on it.
type tkServer struct {
	*testenv.MariaDB
	db *sql.DB
}

func tkNewServer(t *testing.T) *tkServer {
	t.Helper()
	m := testenv.NewMariaDB(t)
	db, err := sql.Open("mysql", m.DSN("")+"&multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return &tkServer{MariaDB: m, db: db}
}

func (s *tkServer) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := s.db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func tkFileSink(t *testing.T) sinks.Sink {
	t.Helper()
	s, err := file.New(t.TempDir(), sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tkScript reads every object of m back, decompressed, in load order, as
// one SQL script.
func tkScript(t *testing.T, ctx context.Context, sink sinks.Sink, m *Manifest) []byte {
	t.Helper()
	var out bytes.Buffer
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	for _, f := range m.Files() {
		rc, err := sink.Open(ctx, Dir(m.ID)+f.Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := dec.Reset(rc); err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(&out, dec)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Key, err)
		}
		if n != f.RawBytes {
			t.Fatalf("%s: %d bytes of SQL, manifest says %d", f.Key, n, f.RawBytes)
		}
	}
	return out.Bytes()
}

// tkLoad pipes script into the stock mariadb client on target, as root.
func tkLoad(t *testing.T, target *tkServer, script []byte) {
	t.Helper()
	bin := testenv.RequireBinary(t, "mariadb")
	cmd := exec.CommandContext(t.Context(), bin, "--no-defaults", "-h", target.Host, "-P", fmt.Sprint(target.Port), "-u", "root", "--protocol=tcp")
	cmd.Stdin = bytes.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("load into the target with the mariadb client: %v\n%s", err, out)
	}
}

// tkChecksums is CHECKSUM TABLE of each table, "db.t=sum".
func tkChecksums(t *testing.T, db *sql.DB, tables ...string) string {
	t.Helper()
	var parts []string
	for _, tb := range tables {
		var name string
		var sum sql.NullInt64
		if err := db.QueryRowContext(t.Context(), "CHECKSUM TABLE "+tb).Scan(&name, &sum); err != nil {
			t.Fatalf("CHECKSUM TABLE %s: %v", tb, err)
		}
		parts = append(parts, fmt.Sprintf("%s=%d/%v", tb, sum.Int64, sum.Valid))
	}
	return strings.Join(parts, " ")
}

func tkCount(t *testing.T, db *sql.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// tkRows renders every row query returns, every column as hex, in a stable order.
func tkRows(t *testing.T, db *sql.DB, query string) string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var r []string
		for i, v := range vals {
			if v == nil {
				r = append(r, cols[i]+"=NULL")
			} else {
				r = append(r, fmt.Sprintf("%s=%q", cols[i], v))
			}
		}
		out = append(out, strings.Join(r, " "))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
