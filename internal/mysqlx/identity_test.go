package mysqlx

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

func TestIdentityKey(t *testing.T) {
	base := Identity{Hostname: "db1", Port: 3306, ServerID: 1, DataDir: "/var/lib/mysql/", ServerUID: "0dfuIzFBftiUR9RKF00wCn2cXPI="}
	if base.Key() != base.Key() || !strings.HasPrefix(base.Key(), "db1:3306-") {
		t.Fatalf("Key() = %q", base.Key())
	}
	// Servers that differ in any one part have different keys.
	for name, other := range map[string]Identity{
		"host":      {Hostname: "db2", Port: 3306, ServerID: 1, DataDir: "/var/lib/mysql/", ServerUID: base.ServerUID},
		"port":      {Hostname: "db1", Port: 3307, ServerID: 1, DataDir: "/var/lib/mysql/", ServerUID: base.ServerUID},
		"server_id": {Hostname: "db1", Port: 3306, ServerID: 2, DataDir: "/var/lib/mysql/", ServerUID: base.ServerUID},
		"datadir":   {Hostname: "db1", Port: 3306, ServerID: 1, DataDir: "/srv/mysql2/", ServerUID: base.ServerUID},
		"mac":       {Hostname: "db1", Port: 3306, ServerID: 1, DataDir: "/var/lib/mysql/", ServerUID: "other"},
	} {
		if other.Key() == base.Key() {
			t.Errorf("a server with another %s has the same key %q", name, base.Key())
		}
	}
	// MySQL: the UUID alone, whatever the rest says.
	a := Identity{ServerUUID: "3E11FA47-71CA-11E1-9E33-C80AA9429562", Hostname: "a", Port: 1}
	b := Identity{ServerUUID: "3e11fa47-71ca-11e1-9e33-c80aa9429562", Hostname: "b", Port: 2}
	if a.Key() != b.Key() || a.Key() != "uuid-3e11fa47-71ca-11e1-9e33-c80aa9429562" {
		t.Errorf("UUID keys %q and %q", a.Key(), b.Key())
	}
	long := base
	long.Hostname = strings.Repeat("very-long-host-name.", 10)
	if k := long.Key(); len(k) > 80 {
		t.Errorf("key of a long host name is %d bytes: %q", len(k), k)
	}
}

// TestReadIdentityOneServerManyAddresses reads the identity of one real
// MariaDB through 127.0.0.1, localhost and a TCP proxy: the same every time,
// and different from another server's.
func TestReadIdentityOneServerManyAddresses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := testenv.MariaDBPrimary(t)
	proxy := testenv.NewProxy(t, net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port)))
	read := func(raw string) Identity {
		t.Helper()
		e, err := ParseURL(raw)
		if err != nil {
			t.Fatal(err)
		}
		db, err := e.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		id, err := ReadIdentity(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	direct := read(srv.URL())
	if direct.Port != srv.Port || direct.ServerID != uint32(srv.ServerID) || direct.Hostname == "" || direct.DataDir == "" || direct.ServerUUID != "" {
		t.Fatalf("identity %+v of %s", direct, srv.URL())
	}
	for _, raw := range []string{strings.Replace(srv.URL(), srv.Host, "localhost", 1), srv.Via(proxy).URL()} {
		if got := read(raw); got.Key() != direct.Key() {
			t.Errorf("%s: key %q, via %s %q", raw, got.Key(), srv.URL(), direct.Key())
		}
	}
	if other := read(testenv.MariaDBStandby(t).URL()); other.Key() == direct.Key() {
		t.Errorf("two servers share the key %q", other.Key())
	}
}
