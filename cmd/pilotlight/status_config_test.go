package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestStatusFromConfigFile(t *testing.T) {
	r := newStatusRig(t)
	const password = "Cfg-Passw0rd-31c7"
	for _, q := range []string{
		"CREATE USER IF NOT EXISTS 'pl_status'@'127.0.0.1' IDENTIFIED BY '" + password + "'",
		"ALTER USER 'pl_status'@'127.0.0.1' IDENTIFIED BY '" + password + "'",
	} {
		if _, err := r.pdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	r.advance(t, r.position(t), time.Now())
	p := writeConfig(t, fmt.Sprintf(`replication:
  source: mysql://pl_status:${PRIMARY_PASSWORD}@127.0.0.1:%d/?timeout=5s
  standby: %s
  stream: %s
  rpo: 2m
`, r.primary.Port, r.standby.URL(), r.stream))
	env := append(r.env(), "PILOTLIGHT_CONFIG="+p, "PRIMARY_PASSWORD="+password)

	res := pl(t, env, nil, "config", "check")
	res.want(t, 0, "config check")
	for _, want := range []string{"replication:", "mysql://pl_status:xxxxx@127.0.0.1", "stream: " + r.stream, "rpo: 2m0s"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("config check lacks %q:\n%s", want, res.stdout)
		}
	}
	if strings.Contains(res.stdout+res.stderr, password) {
		t.Errorf("config check shows the password:\n%s", res.stdout)
	}

	res = pl(t, env, nil, "status", "--json")
	res.want(t, 0, "status from the config file")
	var rep statusReport
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	if rep.Stream != r.stream || rep.RPOSeconds != 120 || !strings.Contains(rep.Source.URL, "pl_status:xxxxx@") {
		t.Errorf("report from config: stream %q, rpo %v, source %q", rep.Stream, rep.RPOSeconds, rep.Source.URL)
	}
	if strings.Contains(res.stdout+res.stderr, password) {
		t.Errorf("status shows the password:\n%s", res.stdout)
	}

	// A wrong password from the environment: one line, the password masked.
	env = append(r.env(), "PILOTLIGHT_CONFIG="+p, "PRIMARY_PASSWORD=Not-The-Passw0rd")
	res = pl(t, env, nil, "status", "--rpo", "10s")
	res.want(t, 1, "status with a wrong password from the environment")
	oneLineError(t, res, "Access denied", "Not-The-Passw0rd")
}
