package main

import (
	"strings"
	"testing"
)

const replicateSettingsFile = `replication:
  source: mysql://repl:${PRIMARY_PASSWORD}@127.0.0.1:1/
  standby: mysql://applier:pw@127.0.0.1:1/
  rpo: 2s
  include: ["shop.*", "crm.customer_?"]
  exclude: ["shop.tmp_*"]
  workers: 6
  heartbeat: 500ms
  server_id: 4000000001
  listen: 127.0.0.1:9187
`

// The replicate settings of the file show in config check, and flags replace
// them (lists are replaced, not appended to).
func TestConfigCheckReplicateSettings(t *testing.T) {
	p := writeConfig(t, replicateSettingsFile)
	env := []string{"PRIMARY_PASSWORD=TOPSECRETPRIMARY"}
	r := pl(t, env, nil, "config", "check", "--config", p)
	r.want(t, 0, "config check")
	for _, want := range []string{"include:\n    - shop.*\n    - crm.customer_?\n", "exclude:\n    - shop.tmp_*\n",
		"workers: 6\n", "heartbeat: 500ms\n", "server_id: 4000000001\n", "listen: 127.0.0.1:9187\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("config check output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "TOPSECRETPRIMARY") {
		t.Errorf("config check printed the password:\n%s", r.stdout)
	}

	r = pl(t, env, nil, "config", "check", "--config", p, "--include", "orders.*", "--include", "billing.invoice",
		"--exclude", "orders.log_*", "--workers", "3", "--heartbeat", "250ms", "--server-id", "7", "--listen", ":9999")
	r.want(t, 0, "config check with flags")
	for _, want := range []string{"include:\n    - orders.*\n    - billing.invoice\n", "exclude:\n    - orders.log_*\n",
		"workers: 3\n", "heartbeat: 250ms\n", "server_id: 7\n", `listen: :9999`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("flags did not win, output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "shop.") || strings.Contains(r.stdout, "crm.") {
		t.Errorf("--include/--exclude were appended to the file's lists instead of replacing them:\n%s", r.stdout)
	}

	// The defaults: no filters, automatic workers, heartbeat off, derived server id.
	r = pl(t, nil, nil, "config", "check")
	r.want(t, 0, "config check with defaults")
	for _, want := range []string{"include: []\n", "exclude: []\n", "workers: 0\n", "heartbeat: 0s\n", "server_id: 0\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("default config lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestReplicateSettingsProblems(t *testing.T) {
	bad := writeConfig(t, `replication:
  include: ["shop.[a-"]
  exclude: ["shop"]
  workers: 65
  heartbeat: 2s
  listen: "9187"
`)
	r := pl(t, nil, nil, "config", "check", "--config", bad)
	r.want(t, 1, "config check with bad replicate settings")
	for _, want := range []string{"5 problems",
		`replication.include[0] "shop.[a-" is not a valid shell-style pattern`,
		`replication.exclude[0] "shop" can never match: patterns are db.table; for every table of database shop write shop.*`,
		"replication.workers is 65; use 0 (automatic: 2 per CPU, at most 8) or 1 to 64 parallel apply workers",
		"replication.heartbeat is 2s, not shorter than replication.rpo 1s",
		`replication.listen is "9187"; use host:port or :port, such as :9187`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// replicate refuses the same file before connecting to anything.
	r = pl(t, nil, nil, "replicate", "--config", bad, "--source", "mysql://u@127.0.0.1:1/", "--standby", "mysql://u@127.0.0.1:1/")
	r.want(t, 1, "replicate with bad replicate settings")
	if !strings.Contains(r.stderr, "replication.workers is 65") || strings.Contains(r.stderr, "connect") {
		t.Errorf("replicate did not refuse the config up front:\n%s", r.stderr)
	}
	// Flags fix the file's bad values, and bad flags are named.
	good := writeConfig(t, replicateSettingsFile)
	r = pl(t, nil, nil, "config", "check", "--config", bad, "--include", "shop.*", "--exclude", "shop.tmp_*",
		"--workers", "0", "--heartbeat", "0s", "--listen", ":9187")
	r.want(t, 0, "config check with flags fixing every bad setting")
	r = pl(t, []string{"PRIMARY_PASSWORD=x"}, nil, "config", "check", "--config", good, "--heartbeat", "50ms", "--exclude", "[")
	r.want(t, 1, "config check with bad flags")
	for _, want := range []string{"replication.heartbeat is 50ms; use 0 (off) or an interval of at least 100ms",
		`replication.exclude[0] "[" is not a valid shell-style pattern`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	r = pl(t, nil, nil, "config", "check", "--server-id", "-1")
	r.want(t, 2, "--server-id -1")
	oneLineError(t, r, `invalid argument "-1" for "--server-id"`)
	r = pl(t, nil, nil, "config", "check", "--config", writeConfig(t, "replication:\n  server_id: 4294967296\n"))
	r.want(t, 1, "server_id over 32 bits")
	if !strings.Contains(r.stderr, "line 2:") || !strings.Contains(r.stderr, "4294967296") {
		t.Errorf("server_id 2^32: %s", r.stderr)
	}
}

func TestReplicateHelpExplainsSettings(t *testing.T) {
	r := pl(t, nil, nil, "replicate", "--help")
	r.want(t, 0, "replicate --help")
	for _, want := range []string{"--exclude", "exclude wins", "--workers N", "2x CPUs capped at 8",
		"--heartbeat 500ms", "GRANT CREATE, INSERT, UPDATE ON pilotlight.* TO", "--include 'shop.*' --exclude 'shop.tmp_*' --workers 4 --heartbeat 500ms",
		"config replication.workers", "config replication.server_id"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("replicate --help lacks %q:\n%s", want, r.stdout)
		}
	}
}
