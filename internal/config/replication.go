package config

import (
	"path/filepath"
	"regexp"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
	"github.com/pilotlight-dr/pilotlight/internal/redact"
)

// Replication names the two servers of a replication stream and its RPO
// target (`pilotlight status` reads those), and how `pilotlight replicate`
// streams and applies (the rest; see replication_apply.go for their checks).
type Replication struct {
	// Source is the primary's endpoint URL (mysql://user:password@host:3306/).
	Source string `yaml:"source"`
	// Standby is the standby's endpoint URL; it holds the stream's checkpoint.
	Standby string `yaml:"standby"`
	// Stream identifies the stream's checkpoint on the standby and its lease.
	Stream string `yaml:"stream"`
	// RPO is the target: no committed transaction older than this may be
	// missing from the standby.
	RPO time.Duration `yaml:"rpo"`
	// LeaseDir holds the local lease files of `pilotlight replicate`; empty
	// means DefaultLeaseDir.
	LeaseDir string `yaml:"lease_dir,omitempty"`

	// Include limits what is applied to tables matching one of these
	// shell-style db.table patterns (path.Match: * ? [..]); empty: all.
	Include []string `yaml:"include"`
	// Exclude skips tables matching one of these patterns; it wins over
	// Include. The pilotlight schema is never filtered.
	Exclude []string `yaml:"exclude"`
	// Workers is the number of parallel apply workers; 0 means automatic
	// (see WorkersOrAuto).
	Workers int `yaml:"workers"`
	// Heartbeat is how often replicate writes a heartbeat row on the primary
	// (pilotlight.heartbeat) so that an idle primary's lag stays measured; 0 is off.
	Heartbeat time.Duration `yaml:"heartbeat"`
	// ServerID is the replication client's server id; 0 derives a stable one
	// from the stream id.
	ServerID uint32 `yaml:"server_id"`
	// Listen is the address of /metrics, /healthz and /readyz (e.g. :9187);
	// empty: no HTTP server.
	Listen string `yaml:"listen"`
	// SkipAccountStatements skips the primary's account statements (CREATE
	// USER, GRANT, ...) instead of applying them; each is logged and counted.
	SkipAccountStatements bool `yaml:"skip_account_statements"`
}

// DefaultStream is the stream id when none is configured.
const DefaultStream = "default"

// streamPattern is the stream id charset (the checkpoint table's key).
var streamPattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,64}$`)

func defaultReplication() Replication {
	return Replication{Stream: DefaultStream, RPO: time.Second}
}

// DefaultLeaseDir is $XDG_STATE_HOME/pilotlight, else /var/lib/pilotlight.
func DefaultLeaseDir(lookup func(string) (string, bool)) string {
	if lookup != nil {
		if v, ok := lookup("XDG_STATE_HOME"); ok && filepath.IsAbs(v) {
			return filepath.Join(v, "pilotlight")
		}
	}
	return "/var/lib/pilotlight"
}

// LeaseDirOrDefault is LeaseDir, or DefaultLeaseDir when it is empty.
func (r Replication) LeaseDirOrDefault(lookup func(string) (string, bool)) string {
	if r.LeaseDir != "" {
		return r.LeaseDir
	}
	return DefaultLeaseDir(lookup)
}

// Secrets lists the passwords in the endpoint URLs (or in the files their
// password_file names), for scrubbing output.
func (r Replication) Secrets() []string {
	return append(endpointSecrets(r.Source), endpointSecrets(r.Standby)...)
}

// endpointSecrets lists the password of a MySQL endpoint URL, wherever it is
// kept: in the URL, or in the file ?password_file= names.
func endpointSecrets(raw string) []string {
	out := redact.Secrets(raw)
	if e, err := mysqlx.ParseURL(raw); err == nil && e.PasswordFile != "" {
		out = append(out, e.Password)
	}
	return out
}

// redacted masks the passwords of the endpoint URLs.
func (r Replication) redacted() Replication {
	out := r
	if out.Source != "" {
		out.Source = redact.URL(out.Source)
	}
	if out.Standby != "" {
		out.Standby = redact.URL(out.Standby)
	}
	return out
}

// validate checks the settings that are given. Source and standby may be
// empty here (commands that need them say so); when given they must parse.
func (r Replication) validate(errs *Errors) {
	for _, ep := range []struct{ key, url string }{{"replication.source", r.Source}, {"replication.standby", r.Standby}} {
		if ep.url == "" {
			continue
		}
		if _, err := mysqlx.ParseURL(ep.url); err != nil {
			errs.add(ep.key, "%v", err) // ParseURL never repeats the password
		}
	}
	if !streamPattern.MatchString(r.Stream) {
		errs.add("replication.stream", "is %q; use 1 to 64 characters from a-z A-Z 0-9 _ . -", r.Stream)
	}
	if r.RPO <= 0 {
		errs.add("replication.rpo", "is %s; use a positive duration such as 1s or 5m", r.RPO)
	}
	if r.LeaseDir != "" && !filepath.IsAbs(r.LeaseDir) {
		errs.add("replication.lease_dir", "is %q; use an absolute path", r.LeaseDir)
	}
	r.validateApply(errs)
}

// ValidateReplication checks r alone (after flags were applied over it) and
// requires both endpoints.
func ValidateReplication(r Replication) error {
	var errs Errors
	if r.Source == "" {
		errs.add("replication.source", "is not set; give --source mysql://user:password@primary:3306/ or set it in the config")
	}
	if r.Standby == "" {
		errs.add("replication.standby", "is not set; give --standby mysql://user:password@standby:3306/ or set it in the config")
	}
	r.validate(&errs)
	return errs.err()
}
