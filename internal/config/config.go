// Package config loads pilotlight.yaml: ${ENV} expansion, unknown keys
// rejected with their line number, and Validate messages a DBA understands.
// Every setting can also be given as a flag; the cmd package applies flags
// over the loaded file.
package config

import (
	"fmt"
	"time"
)

// Config is the whole file. Sections appear here only once a command uses them.
type Config struct {
	Log         Log         `yaml:"log"`
	Storage     Storage     `yaml:"storage"`
	Replication Replication `yaml:"replication"`
	Snapshot    Snapshot    `yaml:"snapshot"`
}

// Log configures log output (to stderr).
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Storage configures object storage: where snapshots and archives go and how
// uploads behave.
type Storage struct {
	// Sinks are the default destinations (sink URLs); `sink check` with no
	// argument checks them all.
	Sinks []string `yaml:"sinks"`
	// PartSize is the multipart part / block size; memory per upload is
	// about PartSize * Concurrency.
	PartSize ByteSize `yaml:"part_size"`
	// Concurrency is the number of parts in flight per upload.
	Concurrency int   `yaml:"concurrency"`
	Retry       Retry `yaml:"retry"`
}

// Retry configures retries of transient storage errors.
type Retry struct {
	Attempts   int           `yaml:"attempts"`
	MinBackoff time.Duration `yaml:"min_backoff"`
	MaxBackoff time.Duration `yaml:"max_backoff"`
}

// Default returns the embedded defaults.
func Default() Config {
	return Config{
		Log: Log{Level: "info", Format: "text"},
		Storage: Storage{
			PartSize:    8 << 20,
			Concurrency: 4,
			Retry:       Retry{Attempts: 5, MinBackoff: 200 * time.Millisecond, MaxBackoff: 10 * time.Second},
		},
		Replication: defaultReplication(),
		Snapshot:    defaultSnapshot(),
	}
}

// Limits of the settings. S3 refuses parts under 5 MiB and over 5 GiB.
const (
	MinPartSize    = 5 << 20
	MaxPartSize    = 5 << 30
	MaxConcurrency = 64
	MaxAttempts    = 20
)

// Validate checks every setting and returns all problems at once.
func (c Config) Validate() error {
	var errs Errors
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs.add("log.level", "is %q; use debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		errs.add("log.format", "is %q; use text (for people) or json (for log collectors)", c.Log.Format)
	}
	s := c.Storage
	if s.PartSize < MinPartSize || s.PartSize > MaxPartSize {
		errs.add("storage.part_size", "is %s; it must be between 5MiB and 5GiB (S3's part limits)", s.PartSize)
	}
	if s.Concurrency < 1 || s.Concurrency > MaxConcurrency {
		errs.add("storage.concurrency", "is %d; use 1 to %d parts in flight", s.Concurrency, MaxConcurrency)
	}
	if s.Retry.Attempts < 1 || s.Retry.Attempts > MaxAttempts {
		errs.add("storage.retry.attempts", "is %d; use 1 (no retry) to %d", s.Retry.Attempts, MaxAttempts)
	}
	if s.Retry.MinBackoff <= 0 {
		errs.add("storage.retry.min_backoff", "is %s; use a positive duration such as 200ms", s.Retry.MinBackoff)
	}
	if s.Retry.MaxBackoff < s.Retry.MinBackoff {
		errs.add("storage.retry.max_backoff", "is %s, below min_backoff %s", s.Retry.MaxBackoff, s.Retry.MinBackoff)
	}
	for i, u := range s.Sinks {
		if err := checkSinkURL(u); err != nil {
			errs.add(fmt.Sprintf("storage.sinks[%d]", i), "%v", err)
		}
	}
	c.Replication.validate(&errs)
	c.Snapshot.validate(&errs)
	return errs.err()
}
