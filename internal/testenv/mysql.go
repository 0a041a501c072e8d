package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// MySQLServer is a MariaDB 10.11 instance with GTID binary logs (ROW format, FULL row image,
// log-slave-updates). Root has no password on 127.0.0.1.
type MySQLServer struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	User     string `json:"user"`
	Password string `json:"password"`
	DataDir  string `json:"data_dir"`
	Socket   string `json:"socket"`
	ServerID int    `json:"server_id"`
}

// MariaDBPrimary returns the test binary's primary MariaDB (server-id 1), starting it on first use.
func MariaDBPrimary(t testing.TB) *MySQLServer {
	t.Helper()
	return server(t, KindMariaDBPrimary).MySQL
}

// MariaDBStandby returns a second, independent MariaDB (server-id 2), starting it on first use.
func MariaDBStandby(t testing.TB) *MySQLServer {
	t.Helper()
	return server(t, KindMariaDBStandby).MySQL
}

// DSN is a go-sql-driver/mysql DSN for database db ("" for none), with multiStatements on
// and parseTime off.
func (m *MySQLServer) DSN(db string) string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = m.User, m.Password
	cfg.Net, cfg.Addr = "tcp", m.addr()
	cfg.DBName = db
	cfg.MultiStatements = true
	cfg.ParseTime = false
	return cfg.FormatDSN()
}

// URL is the server as a pilotlight MySQL endpoint URL: mysql://root@127.0.0.1:PORT/
func (m *MySQLServer) URL() string {
	u := url.URL{Scheme: "mysql", User: url.User(m.User), Host: m.addr(), Path: "/"}
	if m.Password != "" {
		u.User = url.UserPassword(m.User, m.Password)
	}
	return u.String()
}

// Via returns a copy of m reached through the proxy p: its URL and DSN name the proxy's
// address, which forwards to m.
func (m *MySQLServer) Via(p *Proxy) *MySQLServer {
	c := *m
	a := p.ln.Addr().(*net.TCPAddr)
	c.Host, c.Port = a.IP.String(), a.Port
	return &c
}

func (m *MySQLServer) addr() string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

// check connects over TCP and runs SELECT 1.
func (m *MySQLServer) check(ctx context.Context) error {
	db, err := sql.Open("mysql", m.DSN(""))
	if err != nil {
		return err
	}
	defer db.Close()
	var one int
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("SELECT 1 on %s: %w", m.addr(), err)
	}
	return nil
}

func startMariaDB(ctx context.Context, kind, dir string, detached bool, serverID int) (*record, error) {
	mariadbd, data, err := installMariaDB(ctx, dir)
	if err != nil {
		return nil, err
	}
	port, err := freePort(false)
	if err != nil {
		return nil, err
	}
	m := &MySQLServer{Host: "127.0.0.1", Port: port, User: "root", DataDir: data,
		Socket: filepath.Join(dir, "sock"), ServerID: serverID}
	p, err := launch(dir, detached, nil, mariadbd, mariadbdArgs(m, dir)...)
	if err != nil {
		return nil, err
	}
	return ready(ctx, kind, &record{MySQL: m}, p)
}

// installMariaDB creates an empty data directory dir/data (root without a password) and
// returns the path of mariadbd and of the data directory.
func installMariaDB(ctx context.Context, dir string) (mariadbd, data string, err error) {
	installDB, err := findBinary("mariadb-install-db")
	if err != nil {
		return "", "", err
	}
	if mariadbd, err = findBinary("mariadbd"); err != nil {
		return "", "", err
	}
	data = filepath.Join(dir, "data")
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", "", fmt.Errorf("create %s: %w", tmp, err)
	}
	if err := runTool(ctx, dir, "mariadb-install-db", installDB, "--no-defaults", "--datadir="+data,
		"--user=root", "--auth-root-authentication-method=normal", "--tmpdir="+tmp); err != nil {
		return "", "", err
	}
	return mariadbd, data, nil
}

// mariadbdArgs is the command line of every MariaDB the tests start (shared or private):
// GTID binary logs in ROW format with FULL row images, log-slave-updates, no name resolution.
// Each has its own tmpdir: a starting MariaDB deletes every #sql* file in its tmpdir, which
// in a shared /tmp are the temporary tables of the servers already running.
func mariadbdArgs(m *MySQLServer, dir string) []string {
	return []string{"--no-defaults", "--datadir=" + m.DataDir, "--user=root",
		"--port=" + strconv.Itoa(m.Port), "--bind-address=" + m.Host, "--socket=" + m.Socket,
		"--pid-file=" + filepath.Join(dir, "pid"), "--tmpdir=" + filepath.Join(dir, "tmp"), "--server-id=" + strconv.Itoa(m.ServerID),
		"--log-bin=" + filepath.Join(m.DataDir, "binlog"), "--binlog-format=ROW", "--binlog-row-image=FULL",
		"--log-slave-updates=1", "--innodb-buffer-pool-size=128M", "--skip-name-resolve"}
}
