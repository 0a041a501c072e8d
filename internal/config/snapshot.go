package config

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/redact"
)

// Snapshot configures `pilotlight snapshot` (the cron job).
type Snapshot struct {
	// Source is the server to snapshot (mysql://user:password@host:3306/):
	// a standby fed by pilotlight replicate needs no lock at all.
	Source string `yaml:"source"`
	// To lists the sink URLs written at once; empty: storage.sinks.
	To []string `yaml:"to"`
	// Threads is the number of parallel reader sessions.
	Threads int `yaml:"threads"`
	// ChunkSize is the target size of one chunk of rows (SQL text).
	ChunkSize ByteSize `yaml:"chunk_size"`
	// Include and Exclude are db.table shell patterns as in replication.
	Include []string `yaml:"include"`
	Exclude []string `yaml:"exclude"`
	// Consistency is auto, standby-checkpoint, lock-free-binlog-snapshot or
	// flush-tables-read-lock.
	Consistency string `yaml:"consistency"`
	// Stream picks the checkpoint on a standby holding several.
	Stream string `yaml:"stream,omitempty"`
	// LockTimeout bounds FLUSH TABLES WITH READ LOCK's wait.
	LockTimeout time.Duration `yaml:"lock_timeout"`
	// StallTimeout fails the snapshot when a sink takes no data this long.
	StallTimeout time.Duration `yaml:"stall_timeout"`
	// EncryptKeyFile holds the AES-256 key; objects are then encrypted.
	EncryptKeyFile string `yaml:"encrypt_key_file,omitempty"`
	// LockDir holds the lock that keeps two snapshots of one source apart;
	// empty: the replication lease directory.
	LockDir string `yaml:"lock_dir,omitempty"`
}

// Snapshot limits.
const (
	MaxSnapshotThreads = 64
	MinChunkSize       = 1 << 20
)

func defaultSnapshot() Snapshot {
	return Snapshot{Threads: 4, ChunkSize: 64 << 20, Consistency: "auto", LockTimeout: 30 * time.Second, StallTimeout: 2 * time.Minute}
}

var snapshotMethods = []string{"auto", "standby-checkpoint", "lock-free-binlog-snapshot", "flush-tables-read-lock"}

func (s Snapshot) validate(errs *Errors) {
	if s.Source != "" {
		if _, err := mysqlx.ParseURL(s.Source); err != nil {
			errs.add("snapshot.source", "%v", err)
		}
	}
	for i, u := range s.To {
		if err := checkSinkURL(u); err != nil {
			errs.add(fmt.Sprintf("snapshot.to[%d]", i), "%v", err)
		}
	}
	if s.Threads < 1 || s.Threads > MaxSnapshotThreads {
		errs.add("snapshot.threads", "is %d; use 1 to %d reader sessions", s.Threads, MaxSnapshotThreads)
	}
	if s.ChunkSize < MinChunkSize {
		errs.add("snapshot.chunk_size", "is %s; use at least 1MiB (64MiB is a good size)", s.ChunkSize)
	}
	for _, list := range []struct {
		key      string
		patterns []string
	}{{"snapshot.include", s.Include}, {"snapshot.exclude", s.Exclude}} {
		for i, p := range list.patterns {
			if err := CheckTablePattern(p); err != nil {
				errs.add(fmt.Sprintf("%s[%d]", list.key, i), "%q %v", p, err)
			}
		}
	}
	ok := false
	for _, m := range snapshotMethods {
		ok = ok || s.Consistency == m
	}
	if !ok {
		errs.add("snapshot.consistency", "is %q; use one of %v", s.Consistency, snapshotMethods)
	}
	if s.LockTimeout <= 0 {
		errs.add("snapshot.lock_timeout", "is %s; use a positive duration such as 30s", s.LockTimeout)
	}
	if s.StallTimeout <= 0 {
		errs.add("snapshot.stall_timeout", "is %s; use a positive duration such as 2m", s.StallTimeout)
	}
	if s.LockDir != "" && !filepath.IsAbs(s.LockDir) {
		errs.add("snapshot.lock_dir", "is %q; use an absolute path", s.LockDir)
	}
}

// ValidateSnapshot checks s alone (after flags) and requires a source and a
// destination.
func ValidateSnapshot(s Snapshot, defaultSinks []string) error {
	var errs Errors
	if s.Source == "" {
		errs.add("snapshot.source", "is not set; give --source mysql://user:password@host:3306/ or set it in the config")
	}
	if len(s.To) == 0 && len(defaultSinks) == 0 {
		errs.add("snapshot.to", "is not set; give --to URL (repeatable) or list sinks under snapshot.to or storage.sinks")
	}
	s.validate(&errs)
	return errs.err()
}

// Secrets lists the passwords in the source and sink URLs.
func (s Snapshot) Secrets() []string {
	out := endpointSecrets(s.Source)
	for _, u := range s.To {
		out = append(out, redact.Secrets(u)...)
	}
	return out
}

func (s Snapshot) redacted() Snapshot {
	out := s
	if out.Source != "" {
		out.Source = redact.URL(out.Source)
	}
	out.To = make([]string, len(s.To))
	for i, u := range s.To {
		out.To[i] = redact.URL(u)
	}
	return out
}
