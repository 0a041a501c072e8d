package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

// TestDemo runs `make demo`'s script for a few seconds with the built binary: it must
// set everything up, replicate with writes going on, stop cleanly and end with both
// sides identical (the script's exit code says so).
func TestDemo(t *testing.T) {
	for _, tool := range []string{"mariadbd", "mariadb-install-db", "mariadb", "mariadb-dump", "zstd"} {
		testenv.RequireBinary(t, tool)
	}
	cmd := exec.Command("bash", "internal/demo/demo.sh")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "PL="+os.Getenv("PILOTLIGHT_TEST_BIN"), "DEMO_SECONDS=8", "STATUS_EVERY=3")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	for _, want := range []string{"pilotlight status", "replicate exited with status 0", "both sides hold the same data", "--seed-from"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
