package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestTypeErrorsNameKeyAndForm: a value of the wrong type names its key,
// its line and the form wanted, for every kind of setting, all at once.
func TestTypeErrorsNameKeyAndForm(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{"replication:\n  rpo: 5\n", `line 2: replication.rpo is "5"; want a duration such as 1s or 500ms (a number needs a unit: ms, s, m or h)`},
		{"replication:\n  heartbeat: soon\n", `line 2: replication.heartbeat is "soon"; want a duration such as 1s or 500ms`},
		{"snapshot:\n  lock_timeout: [1s]\n", "line 2: snapshot.lock_timeout is a list; want a duration such as 1s or 500ms"},
		{"storage:\n  retry:\n    min_backoff: 1.5\n", `line 3: storage.retry.min_backoff is "1.5"; want a duration such as 1s or 500ms (a number needs a unit`},
		{"snapshot:\n  stall_timeout: 2 minutes\n", `line 2: snapshot.stall_timeout is "2 minutes"; want a duration`},
		{"storage:\n  part_size: huge\n", `line 2: storage.part_size is "huge"; want a size such as 64MiB, 512KiB or 1GiB`},
		{"snapshot:\n  chunk_size: {mib: 64}\n", "line 2: snapshot.chunk_size is a group of settings; want a size such as 64MiB"},
		{"storage:\n  concurrency: lots\n", `line 2: storage.concurrency is "lots"; want a whole number such as 4`},
		{"replication:\n  workers: 1.5\n", `line 2: replication.workers is "1.5"; want a whole number such as 4`},
		{"snapshot:\n  threads: true\n", `line 2: snapshot.threads is "true"; want a whole number such as 4`},
		{"replication:\n  server_id: -1\n", `line 2: replication.server_id is "-1"; want a whole number from 0 to 4294967295`},
		{"replication:\n  server_id: 4294967296\n", `replication.server_id is "4294967296"; want a whole number from 0 to 4294967295`},
		{"replication:\n  include: shop.*\n", `line 2: replication.include is a single value; want a list: [a, b] on one line, or one "- item" per line below it`},
		{"storage:\n  sinks: s3://bucket/x?sas_token=Secret-123\n", "line 2: storage.sinks is a single value; want a list"},
		{"snapshot:\n  to:\n    - [file:///a]\n", "line 3: snapshot.to is a list; want a single value"},
		{"replication:\n  stream: {name: x}\n", "line 2: replication.stream is a group of settings; want a single value"},
		{"replication: 5\n", `line 1: replication is a single value; want its settings indented under it, one "key: value" per line (known: exclude, heartbeat,`},
		{"log: [debug]\n", "line 1: log is a list; want its settings indented under it"},
	} {
		cfg := Default()
		err := Parse([]byte(c.doc), &cfg, env(nil))
		var ce *Errors
		if !errors.As(err, &ce) || len(ce.Problems) != 1 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v\n want one problem saying %q", c.doc, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "Secret-123") {
			t.Errorf("%q: the error shows a text value: %v", c.doc, err)
		}
	}
	// Every problem at once.
	cfg := Default()
	err := Parse([]byte("replication:\n  rpo: 5\n  workers: many\nsnapshot:\n  chunk_size: big\n"), &cfg, env(nil))
	if err == nil || !strings.Contains(err.Error(), "3 problems") {
		t.Errorf("three bad values: %v", err)
	}
}

// TestTypeLeniencies: what a DBA writes that yaml alone refuses or misreads.
func TestTypeLeniencies(t *testing.T) {
	doc := `
replication:
  rpo: 5s
  heartbeat: 0
  workers: "${W}"
  server_id: ${ID:-7}
  lease_dir:
storage:
  part_size: 16MiB
  retry:
    max_backoff: "30s"
`
	cfg := Default()
	if err := Parse([]byte(doc), &cfg, env(map[string]string{"W": "3"})); err != nil {
		t.Fatal(err)
	}
	r := cfg.Replication
	if r.RPO != 5*time.Second || r.Heartbeat != 0 || r.Workers != 3 || r.ServerID != 7 || r.LeaseDir != "" ||
		cfg.Storage.PartSize != 16<<20 || cfg.Storage.Retry.MaxBackoff != 30*time.Second {
		t.Errorf("parsed %+v, storage %+v", r, cfg.Storage)
	}
}

// TestTabIndentationNamed: a tab in the indentation is named as such, with
// its line, whatever yaml's own message and line say.
func TestTabIndentationNamed(t *testing.T) {
	for doc, line := range map[string]string{
		"replication:\n\trpo: 1s\n":                      "line 2:",
		"replication:\n  rpo: 1s\n\tworkers: 2\n":        "line 3:",
		"snapshot:\n  include:\n  \t- shop.*\n":          "line 3:",
		"log:\n  level: info\nstorage:\n\t\tsinks: []\n": "line 4:",
	} {
		cfg := Default()
		err := Parse([]byte(doc), &cfg, env(nil))
		want := line + " yaml forbids tabs for indentation, and this line is indented with one: indent with spaces"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", doc, err, want)
		}
	}
	// A tab after a key's colon is white space, not indentation.
	cfg := Default()
	if err := Parse([]byte("replication:\n  rpo:\t2s\n"), &cfg, env(nil)); err != nil || cfg.Replication.RPO != 2*time.Second {
		t.Errorf("tab after the colon: %v, rpo %s", err, cfg.Replication.RPO)
	}
}
