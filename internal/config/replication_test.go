package config

import (
	"strings"
	"testing"
	"time"
)

func TestReplicationParseExpandRedact(t *testing.T) {
	doc := `
replication:
  source: mysql://repl:${PRIMARY_PASSWORD}@primary.example:3306/?tls=true
  standby: mysql://applier:${STANDBY_PASSWORD}@127.0.0.1:3307/
  stream: orders.eu-1
  rpo: 5s
  lease_dir: /run/pilotlight
`
	cfg := Default()
	lookup := env(map[string]string{"PRIMARY_PASSWORD": "s3cr3t-primary", "STANDBY_PASSWORD": "s3cr3t-standby"})
	if err := Parse([]byte(doc), &cfg, lookup); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	r := cfg.Replication
	if r.Stream != "orders.eu-1" || r.RPO != 5*time.Second || r.LeaseDir != "/run/pilotlight" ||
		!strings.Contains(r.Source, "s3cr3t-primary") {
		t.Errorf("replication = %+v", r)
	}
	if err := ValidateReplication(r); err != nil {
		t.Errorf("ValidateReplication: %v", err)
	}
	secrets := strings.Join(r.Secrets(), " ")
	if !strings.Contains(secrets, "s3cr3t-primary") || !strings.Contains(secrets, "s3cr3t-standby") {
		t.Errorf("Secrets() = %q", secrets)
	}
	out, err := cfg.Redacted().YAML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "s3cr3t") || !strings.Contains(string(out), "primary.example:3306") {
		t.Errorf("redacted YAML:\n%s", out)
	}
	if !strings.Contains(cfg.Replication.Source, "s3cr3t-primary") {
		t.Error("Redacted changed the original")
	}
}

func TestReplicationDefaults(t *testing.T) {
	r := Default().Replication
	if r.Stream != "default" || r.RPO != time.Second || r.Source != "" {
		t.Errorf("defaults = %+v", r)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
	if d := r.LeaseDirOrDefault(env(map[string]string{"XDG_STATE_HOME": "/home/u/.local/state"})); d != "/home/u/.local/state/pilotlight" {
		t.Errorf("lease dir with XDG_STATE_HOME = %q", d)
	}
	if d := r.LeaseDirOrDefault(env(nil)); d != "/var/lib/pilotlight" {
		t.Errorf("lease dir = %q", d)
	}
	r.LeaseDir = "/srv/leases"
	if d := r.LeaseDirOrDefault(env(nil)); d != "/srv/leases" {
		t.Errorf("configured lease dir = %q", d)
	}
	err := ValidateReplication(r)
	if err == nil || !strings.Contains(err.Error(), "replication.source is not set") ||
		!strings.Contains(err.Error(), "replication.standby is not set") {
		t.Errorf("ValidateReplication without endpoints: %v", err)
	}
}

func TestReplicationValidateProblems(t *testing.T) {
	cfg := Default()
	cfg.Replication = Replication{
		Source:   "postgres://u:hunter22@db/",
		Standby:  "mysql://u:hunter22@db/orders",
		Stream:   "bad stream/id",
		RPO:      0,
		LeaseDir: "relative/dir",
	}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("bad replication settings validated")
	}
	msg := err.Error()
	for _, want := range []string{"5 problems", "replication.source", "scheme must be mysql://",
		"replication.standby", "unexpected path", `replication.stream is "bad stream/id"`,
		"replication.rpo is 0s", "replication.lease_dir"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "hunter22") {
		t.Errorf("error shows the password:\n%s", msg)
	}
}

func TestReplicationUnknownKey(t *testing.T) {
	cfg := Default()
	err := Parse([]byte("replication:\n  rpo_target: 1s\n"), &cfg, env(nil))
	if err == nil || !strings.Contains(err.Error(), "line 2: replication.rpo_target is not a known setting") ||
		!strings.Contains(err.Error(), "lease_dir, rpo, source, standby, stream") {
		t.Errorf("unknown key: %v", err)
	}
}
