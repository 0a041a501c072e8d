package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseFullFile(t *testing.T) {
	doc := `
log:
  level: debug
  format: json
storage:
  sinks:
    - s3://backups/${CLUSTER}?region=eu-west-1
    - file:///var/lib/pilotlight
  part_size: 32MiB
  concurrency: ${CONC:-8}
  retry:
    attempts: 3
    min_backoff: 100ms
    max_backoff: 5s
`
	cfg := Default()
	if err := Parse([]byte(doc), &cfg, env(map[string]string{"CLUSTER": "orders"})); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Log.Level != "debug" || cfg.Log.Format != "json" {
		t.Errorf("log = %+v", cfg.Log)
	}
	if got := cfg.Storage.Sinks[0]; got != "s3://backups/orders?region=eu-west-1" {
		t.Errorf("expanded sink = %q", got)
	}
	if cfg.Storage.PartSize != 32<<20 || cfg.Storage.Concurrency != 8 {
		t.Errorf("storage = %+v", cfg.Storage)
	}
	if cfg.Storage.Retry != (Retry{Attempts: 3, MinBackoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second}) {
		t.Errorf("retry = %+v", cfg.Storage.Retry)
	}
}

func TestEmptyFileKeepsDefaults(t *testing.T) {
	cfg := Default()
	if err := Parse([]byte("# nothing\n"), &cfg, env(nil)); err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.PartSize != Default().Storage.PartSize {
		t.Errorf("defaults changed: %+v", cfg)
	}
}

func TestUnknownKeysNamedWithLine(t *testing.T) {
	doc := "log:\n  level: info\nstorage:\n  partsize: 8MiB\n  retry:\n    attemps: 3\nsnapshots: {}\n"
	cfg := Default()
	err := Parse([]byte(doc), &cfg, env(nil))
	var ce *Errors
	if !errors.As(err, &ce) || len(ce.Problems) != 3 {
		t.Fatalf("err = %v, want 3 problems", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"line 4: storage.partsize is not a known setting in storage (known: concurrency, part_size, retry, sinks)",
		"line 6: storage.retry.attemps is not a known setting in storage.retry",
		"line 7: snapshots is not a known setting at the top level",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestMissingEnvIsAnError(t *testing.T) {
	cfg := Default()
	err := Parse([]byte("storage:\n  sinks: [\"s3://${BUCKET}/x\"]\n"), &cfg, env(nil))
	if err == nil || !strings.Contains(err.Error(), "line 2: storage.sinks uses ${BUCKET}, which is not set") {
		t.Fatalf("err = %v", err)
	}
	// $$ is a literal dollar, and a set-but-empty variable with a default uses the default.
	cfg = Default()
	if err := Parse([]byte("storage:\n  sinks: [\"file:///a$$b/${E:-def}\"]\n"), &cfg, env(map[string]string{"E": ""})); err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.Sinks[0] != "file:///a$b/def" {
		t.Errorf("got %q", cfg.Storage.Sinks[0])
	}
}

func TestEnvCannotInjectYAML(t *testing.T) {
	cfg := Default()
	evil := "x\nlog:\n  level: debug"
	if err := Parse([]byte("storage:\n  sinks: [\"file:///${P}\"]\n"), &cfg, env(map[string]string{"P": evil})); err != nil {
		t.Fatal(err)
	}
	if cfg.Log.Level != "info" || cfg.Storage.Sinks[0] != "file:///"+evil {
		t.Errorf("a variable's value changed the structure: %+v", cfg)
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	cfg := Default()
	cfg.Log.Level = "verbose"
	cfg.Storage.PartSize = 1 << 20
	cfg.Storage.Concurrency = 0
	cfg.Storage.Sinks = []string{"s4://bucket", "file:///ok"}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{
		`log.level is "verbose"; use debug, info, warn or error`,
		"storage.part_size is 1MiB; it must be between 5MiB and 5GiB",
		"storage.concurrency is 0",
		`storage.sinks[0] "s4://bucket" has an unknown scheme "s4"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestBadValueTypeHasLine(t *testing.T) {
	cfg := Default()
	err := Parse([]byte("storage:\n  concurrency: lots\n"), &cfg, env(nil))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want it to name line 2", err)
	}
	err = Parse([]byte("storage:\n  part_size: huge\n"), &cfg, env(nil))
	if err == nil || !strings.Contains(err.Error(), `line 2: storage.part_size is "huge"; want a size such as 64MiB`) {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadFileAndRedacted(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pilotlight.yaml")
	if err := os.WriteFile(p, []byte("storage:\n  sinks: [\"azblob://c/p?account=a&sas_token=${SAS}\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(p, env(map[string]string{"SAS": "sv=2024&sig=SECRETSIG"}))
	if err != nil {
		t.Fatal(err)
	}
	out, err := cfg.Redacted().YAML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "SECRETSIG") || !strings.Contains(string(out), "part_size: 8MiB") {
		t.Errorf("redacted YAML:\n%s", out)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), env(nil)); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: %v", err)
	}
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]ByteSize{"16MiB": 16 << 20, "64MB": 64e6, "1g": 1 << 30, "1048576": 1 << 20, "1.5KiB": 1536} {
		got, err := ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParseByteSize("-3MB"); err == nil {
		t.Error("negative size accepted")
	}
}
