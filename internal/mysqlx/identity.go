package mysqlx

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Identity names one server process, whatever address reached it: 127.0.0.1
// and localhost, a DNS alias, a proxy or a load balancer in front of it all
// give the same Identity. Locks that must keep two jobs off one server are
// keyed on it, never on the host:port a user typed.
//
// MySQL's @@server_uuid is unique per data directory (auto.cnf) and is all
// that is needed. MariaDB has no such id, so Identity combines what tells its
// servers apart: @@hostname and @@port (two hosts, or two ports on one host),
// @@server_id (the operator's own id), @@datadir (two servers on one host and
// port, bound to different addresses) and @@server_uid (MariaDB's hash of the
// port and the MAC address: two hosts that share a name, as pods in two
// clusters do). Every part is a global the server fixes at start, so one
// server always gives the same Identity; more parts only make two servers
// less likely to share one, and if they did, the cost is a lock taken that
// was not needed (one of two jobs waits), never two jobs on one server.
type Identity struct {
	ServerUUID string // MySQL @@server_uuid; "" on MariaDB
	Hostname   string // @@hostname
	Port       int    // @@port
	ServerID   uint32 // @@server_id
	DataDir    string // @@datadir
	ServerUID  string // MariaDB @@server_uid; "" on MySQL and old MariaDB
}

// identityVariables are read with SHOW GLOBAL VARIABLES, which needs no
// privilege and skips those the flavor lacks.
var identityVariables = []string{"server_uuid", "hostname", "port", "server_id", "datadir", "server_uid"}

// ReadIdentity reads the server's identity (see Identity).
func ReadIdentity(ctx context.Context, db *sql.DB) (Identity, error) {
	vars, err := globalVariables(ctx, db, identityVariables)
	if err != nil {
		return Identity{}, fmt.Errorf("read server identity: %w", err)
	}
	id := Identity{ServerUUID: vars["server_uuid"], Hostname: vars["hostname"], DataDir: vars["datadir"], ServerUID: vars["server_uid"]}
	if v := vars["port"]; v != "" {
		if id.Port, err = strconv.Atoi(v); err != nil {
			return Identity{}, fmt.Errorf("read server identity: port=%q is not a number", v)
		}
	}
	if v := vars["server_id"]; v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Identity{}, fmt.Errorf("read server identity: server_id=%q is not a number", v)
		}
		id.ServerID = uint32(n)
	}
	if id.ServerUUID == "" && id.Hostname == "" && id.Port == 0 {
		return Identity{}, fmt.Errorf("read server identity: the server reports neither server_uuid nor hostname and port")
	}
	return id, nil
}

// maxKeyHost bounds the host name kept readable in Key.
const maxKeyHost = 40

// Key is a short string, safe in a file name after escaping, that is equal
// for two Identities exactly when they name the same server: the UUID on
// MySQL; on MariaDB host:port followed by a digest of every part.
func (id Identity) Key() string {
	if id.ServerUUID != "" {
		return "uuid-" + strings.ToLower(id.ServerUUID)
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{id.Hostname, strconv.Itoa(id.Port),
		strconv.FormatUint(uint64(id.ServerID), 10), id.DataDir, id.ServerUID}, "\x00")))
	host := id.Hostname
	if len(host) > maxKeyHost {
		host = host[:maxKeyHost] // the digest keeps the key unique
	}
	return fmt.Sprintf("%s:%d-%s", host, id.Port, hex.EncodeToString(sum[:8]))
}

// String describes the server for people: "server_uuid 3e11fa47-..." or
// "db1:3306 (server_id 1, datadir /var/lib/mysql/)".
func (id Identity) String() string {
	if id.ServerUUID != "" {
		return "server_uuid " + id.ServerUUID
	}
	return fmt.Sprintf("%s:%d (server_id %d, datadir %s)", id.Hostname, id.Port, id.ServerID, id.DataDir)
}
