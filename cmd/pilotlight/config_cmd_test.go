package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pilotlight.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigCheckMasksSecretsAndFlagsWin(t *testing.T) {
	p := writeConfig(t, `storage:
  sinks:
    - azblob://backups/orders?account=drstore&sas_token=${SAS}
    - file:///var/lib/pilotlight
  part_size: 32MiB
`)
	secret := "sv=2024-01-01&sig=TOPSECRETSIGNATURE"
	env := []string{"PILOTLIGHT_CONFIG=" + p, "SAS=" + secret}
	r := pl(t, env, nil, "config", "check", "--concurrency", "9")
	r.want(t, 0, "config check")
	for _, want := range []string{"part_size: 32MiB", "concurrency: 9", "file:///var/lib/pilotlight", "account=drstore", p} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("config check output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "TOPSECRETSIGNATURE") {
		t.Errorf("config check printed a secret:\n%s", r.stdout)
	}
	// --config wins over the environment variable.
	other := writeConfig(t, "log:\n  level: debug\n")
	r = pl(t, env, nil, "config", "check", "--config", other)
	r.want(t, 0, "config check --config")
	if !strings.Contains(r.stdout, "level: debug") || strings.Contains(r.stdout, "32MiB") {
		t.Errorf("--config did not win over $PILOTLIGHT_CONFIG:\n%s", r.stdout)
	}
}

func TestConfigCheckReportsEveryProblemWithLines(t *testing.T) {
	p := writeConfig(t, "log:\n  level: loud\nstorage:\n  partsize: 8MiB\n  sinks: [\"s4://typo\"]\n")
	r := pl(t, nil, nil, "config", "check", "--config", p)
	r.want(t, 1, "config check")
	for _, want := range []string{"line 4: storage.partsize is not a known setting", "known: concurrency, part_size, retry, sinks"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// Once the key typo is fixed, validation reports the bad values together.
	p = writeConfig(t, "log:\n  level: loud\nstorage:\n  sinks: [\"s4://typo\"]\n")
	r = pl(t, nil, nil, "config", "check", "--config", p)
	r.want(t, 1, "config check")
	for _, want := range []string{"2 problems", `log.level is "loud"`, `unknown scheme "s4"`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// Any command refuses to run on an invalid config.
	r = pl(t, nil, nil, "sink", "ls", "--config", p, "file:///tmp")
	r.want(t, 1, "sink ls with a bad config")
	r = pl(t, []string{"PILOTLIGHT_CONFIG=/nonexistent/pilotlight.yaml"}, nil, "config", "check")
	r.want(t, 1, "config check")
	oneLineError(t, r, "config file /nonexistent/pilotlight.yaml does not exist")
	r = pl(t, nil, nil, "config", "check", "--config", writeConfig(t, "storage:\n  sinks: [\"s3://${BUCKET}\"]\n"))
	r.want(t, 1, "config check")
	oneLineError(t, r, "uses ${BUCKET}, which is not set")
}

// A flag fixes a bad setting of the file: flags are applied before validation.
func TestFlagOverridesBadFileSetting(t *testing.T) {
	p := writeConfig(t, "replication:\n  source: mysql://repl:pw@db:3306/?tsl=true\n")
	r := pl(t, nil, nil, "config", "check", "--config", p)
	r.want(t, 1, "config check with a bad replication.source")
	oneLineError(t, r, `unknown parameter "tsl"`)
	r = pl(t, nil, nil, "status", "--config", p, "--source", "mysql://repl:pw@127.0.0.1:1/", "--standby", "mysql://x@127.0.0.1:1/", "--timeout", "5s")
	if strings.Contains(r.stderr, `unknown parameter "tsl"`) {
		t.Errorf("--source did not replace the file's bad replication.source:\n%s", r.stderr)
	}
}
