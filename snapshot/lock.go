package snapshot

import "github.com/pilotlight-dr/pilotlight/internal/mysqlx"

// LockName is the name of the lease that keeps two snapshots of one server
// apart. It is keyed on the server's identity, read from the server itself,
// so that 127.0.0.1:3306, localhost:3306 and a proxy in front of the same
// server all share one lock.
func LockName(id mysqlx.Identity) string { return "snapshot/" + id.Key() }
