package config

import (
	"fmt"
	"os"
	"path/filepath"
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
		!strings.Contains(err.Error(), "exclude, heartbeat, include, lease_dir, listen, rpo, server_id, skip_account_statements, source, standby, stream, workers") {
		t.Errorf("unknown key: %v", err)
	}
}

func TestReplicationApplySettings(t *testing.T) {
	doc := `
replication:
  rpo: 2s
  include: ["shop.*", "crm.customer_?"]
  exclude:
    - shop.tmp_*
  workers: ${WORKERS:-6}
  heartbeat: 500ms
  server_id: 4000000001
  listen: 127.0.0.1:9187
`
	cfg := Default()
	if err := Parse([]byte(doc), &cfg, env(nil)); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	r := cfg.Replication
	if strings.Join(r.Include, " ") != "shop.* crm.customer_?" || strings.Join(r.Exclude, " ") != "shop.tmp_*" ||
		r.Workers != 6 || r.Heartbeat != 500*time.Millisecond || r.ServerID != 4000000001 || r.Listen != "127.0.0.1:9187" {
		t.Errorf("replication = %+v", r)
	}
	out, err := cfg.Redacted().YAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"include:\n    - shop.*\n    - crm.customer_?\n", "exclude:\n    - shop.tmp_*\n",
		"workers: 6\n", "heartbeat: 500ms\n", "server_id: 4000000001\n", "listen: 127.0.0.1:9187\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("config YAML lacks %q:\n%s", want, out)
		}
	}
	// The printed configuration reads back as the same settings.
	again := Default()
	if err := Parse(out, &again, env(nil)); err != nil {
		t.Fatalf("printed YAML does not parse: %v\n%s", err, out)
	}
	if again.Replication.Heartbeat != r.Heartbeat || again.Replication.ServerID != r.ServerID ||
		strings.Join(again.Replication.Include, " ") != strings.Join(r.Include, " ") {
		t.Errorf("round trip: %+v, want %+v", again.Replication, r)
	}
}

func TestReplicationApplyDefaults(t *testing.T) {
	r := Default().Replication
	if len(r.Include) != 0 || len(r.Exclude) != 0 || r.Workers != 0 || r.Heartbeat != 0 || r.ServerID != 0 || r.Listen != "" {
		t.Errorf("defaults = %+v, want no filters, automatic workers, no heartbeat, derived server id, no listener", r)
	}
	for _, c := range []struct{ workers, cpus, want int }{{0, 1, 2}, {0, 2, 4}, {0, 3, 6}, {0, 64, 8}, {0, 0, 1}, {3, 64, 3}, {64, 1, 64}} {
		r.Workers = c.workers
		if got := r.WorkersOrAuto(c.cpus); got != c.want {
			t.Errorf("workers %d on %d CPUs = %d, want %d", c.workers, c.cpus, got, c.want)
		}
	}
}

func TestReplicationApplyProblems(t *testing.T) {
	cfg := Default()
	r := &cfg.Replication
	r.Include = []string{"shop.*", "shop.[a-", ""}
	r.Exclude = []string{"shop"}
	r.Workers = 65
	r.Heartbeat = 50 * time.Millisecond
	r.Listen = "9187"
	err := cfg.Validate()
	if err == nil {
		t.Fatal("bad replicate settings validated")
	}
	msg := err.Error()
	for _, want := range []string{"6 problems",
		`replication.include[1] "shop.[a-" is not a valid shell-style pattern`,
		`replication.include[2] "" is empty; use a db.table pattern such as shop.*`,
		`replication.exclude[0] "shop" can never match: patterns are db.table; for every table of database shop write shop.*`,
		"replication.workers is 65; use 0 (automatic: 2 per CPU, at most 8) or 1 to 64 parallel apply workers",
		"replication.heartbeat is 50ms; use 0 (off) or an interval of at least 100ms, such as 500ms",
		`replication.listen is "9187"; use host:port or :port, such as :9187`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "include[0]") {
		t.Errorf("a good pattern was reported:\n%s", msg)
	}

	cfg = Default()
	cfg.Replication.Workers = -1
	cfg.Replication.Heartbeat = time.Second // the default rpo is 1s
	cfg.Replication.Listen = ":http"
	msg = fmt.Sprint(cfg.Validate())
	for _, want := range []string{"replication.workers is -1",
		"replication.heartbeat is 1s, not shorter than replication.rpo 1s: an idle primary would look behind its RPO between two heartbeats; use an interval well under the RPO, such as 500ms",
		`replication.listen is ":http"; port "http" is not a number from 0 to 65535`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	cfg.Replication = Default().Replication
	cfg.Replication.Heartbeat = -time.Second
	if msg := fmt.Sprint(cfg.Validate()); !strings.Contains(msg, "replication.heartbeat is -1s; use 0 (off)") {
		t.Errorf("negative heartbeat: %s", msg)
	}
	cfg.Replication.Heartbeat, cfg.Replication.RPO = 100*time.Millisecond, 150*time.Millisecond
	cfg.Replication.Listen = ":0"
	if err := cfg.Validate(); err != nil {
		t.Errorf("heartbeat 100ms under rpo 150ms, listen :0: %v", err)
	}
}

func TestReplicationApplyTypeErrors(t *testing.T) {
	cfg := Default()
	err := Parse([]byte("replication:\n  workers: many\n  server_id: -1\n  heartbeat: often\n"), &cfg, env(nil))
	msg := fmt.Sprint(err)
	for _, want := range []string{"line 2:", "many", "line 3:", "-1", "line 4:", "often"} {
		if !strings.Contains(msg, want) {
			t.Errorf("type errors lack %q:\n%s", want, msg)
		}
	}
}

func TestCheckTablePattern(t *testing.T) {
	for _, p := range []string{"shop.*", "*.*", "*", "shop*", "sh?p.orders", "shop.order_[0-9]", `shop.a\*b`, "shop.orders"} {
		if err := CheckTablePattern(p); err != nil {
			t.Errorf("CheckTablePattern(%q) = %v", p, err)
		}
	}
	for _, p := range []string{"", "shop", "shop.[", `shop.\`, "[a-"} {
		if err := CheckTablePattern(p); err == nil {
			t.Errorf("CheckTablePattern(%q) accepted a pattern that is malformed or can never match", p)
		}
	}
}

// TestEndpointSecretsFromPasswordFile: a password kept in ?password_file= is
// listed among the secrets to scrub, like one written in the URL.
func TestEndpointSecretsFromPasswordFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(p, []byte("from-the-file/#%\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := Replication{Source: "mysql://repl@primary/?password_file=" + p, Standby: "mysql://applier:in-the-url@standby/"}
	s := Snapshot{Source: r.Source}
	for name, secrets := range map[string][]string{"replication": r.Secrets(), "snapshot": s.Secrets()} {
		got := strings.Join(secrets, " ")
		if !strings.Contains(got, "from-the-file/#%") || name == "replication" && !strings.Contains(got, "in-the-url") || strings.Contains(got, p) {
			t.Errorf("%s.Secrets() = %q", name, secrets)
		}
	}
}
