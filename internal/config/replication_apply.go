package config

import (
	"errors"
	"fmt"
	"net"
	"path"
	"strconv"
	"strings"
	"time"
)

// Limits of the replicate settings.
const (
	// MaxWorkers bounds replication.workers: more parallel appliers than this only
	// add lock contention on the standby.
	MaxWorkers = 64
	// AutoWorkersCap bounds the automatic worker count (workers: 0).
	AutoWorkersCap = 8
	// MinHeartbeat is the shortest replication.heartbeat: each heartbeat is one
	// transaction on the primary (and one commit on the standby).
	MinHeartbeat = 100 * time.Millisecond
)

// WorkersOrAuto is Workers, or when it is 0 (automatic) two per CPU, at most
// AutoWorkersCap and at least 1.
func (r Replication) WorkersOrAuto(cpus int) int {
	if r.Workers > 0 {
		return r.Workers
	}
	return max(1, min(2*cpus, AutoWorkersCap))
}

// CheckTablePattern says what is wrong with one include/exclude pattern: it is
// matched with path.Match against "db.table" (so * and ? never cross a /, and
// do cross the dot), and against "db.*" for statements run in database db.
func CheckTablePattern(p string) error {
	if p == "" {
		return errors.New("is empty; use a db.table pattern such as shop.* or shop.order_?")
	}
	if _, err := path.Match(p, "db.table"); err != nil {
		return errors.New(`is not a valid shell-style pattern (check the [ ] ranges and \ escapes)`)
	}
	if !strings.Contains(p, ".") && !strings.ContainsAny(p, `*?[\`) {
		return fmt.Errorf("can never match: patterns are db.table; for every table of database %s write %s.*", p, p)
	}
	return nil
}

// validateApply checks the settings of how replicate streams and applies.
func (r Replication) validateApply(errs *Errors) {
	for _, list := range []struct {
		key      string
		patterns []string
	}{{"replication.include", r.Include}, {"replication.exclude", r.Exclude}} {
		for i, p := range list.patterns {
			if err := CheckTablePattern(p); err != nil {
				errs.add(fmt.Sprintf("%s[%d]", list.key, i), "%q %v", p, err)
			}
		}
	}
	if r.Workers < 0 || r.Workers > MaxWorkers {
		errs.add("replication.workers", "is %d; use 0 (automatic: 2 per CPU, at most %d) or 1 to %d parallel apply workers",
			r.Workers, AutoWorkersCap, MaxWorkers)
	}
	switch {
	case r.Heartbeat < 0 || r.Heartbeat > 0 && r.Heartbeat < MinHeartbeat:
		errs.add("replication.heartbeat", "is %s; use 0 (off) or an interval of at least %s, such as 500ms",
			r.Heartbeat, MinHeartbeat)
	case r.Heartbeat > 0 && r.RPO > 0 && r.Heartbeat >= r.RPO:
		errs.add("replication.heartbeat", "is %s, not shorter than replication.rpo %s: an idle primary would look "+
			"behind its RPO between two heartbeats; use an interval well under the RPO, such as %s",
			r.Heartbeat, r.RPO, suggestHeartbeat(r.RPO))
	}
	if r.Listen != "" {
		if err := checkListen(r.Listen); err != nil {
			errs.add("replication.listen", "is %q; %v", r.Listen, err)
		}
	}
}

// suggestHeartbeat is half the RPO, at least MinHeartbeat.
func suggestHeartbeat(rpo time.Duration) time.Duration {
	return max(MinHeartbeat, (rpo / 2).Truncate(time.Millisecond))
}

// checkListen accepts host:port and :port with a numeric port (0: any free one).
func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("use host:port or :port, such as :9187 or 127.0.0.1:9187")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535; use host:port or :port, such as :9187", port)
	}
	return nil
}
