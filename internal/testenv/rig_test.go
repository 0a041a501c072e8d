package testenv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRigUpReuseShareDown starts a detached one-server rig, checks that a second `up` reuses
// it, that a test binary pointed at it by PILOTLIGHT_RIG uses it, and that `down` stops it.
func TestRigUpReuseShareDown(t *testing.T) {
	if _, err := findBinary("redis-server"); err != nil {
		fail(t, err)
	}
	dir := filepath.Join(t.TempDir(), "rig")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t.Cleanup(func() { _ = RigDown(dir) })

	rig, failed, err := RigUp(ctx, dir, []string{KindRedis})
	if err != nil || len(failed) != 0 {
		t.Fatalf("rig up: %v %v", err, failed)
	}
	rec := rig.state.Servers[KindRedis]
	if rec == nil || !pidAlive(rec.PID) {
		t.Fatalf("rig up: redis not running: %+v", rec)
	}
	if rec.proc == nil || rec.proc.cmd.SysProcAttr.Pdeathsig != 0 || !rec.proc.cmd.SysProcAttr.Setsid {
		t.Fatalf("rig server is not detached: %+v", rec.proc.cmd.SysProcAttr)
	}
	if rig.File() != RigFile(dir) || rig.ExportLine() != "export PILOTLIGHT_RIG="+RigFile(dir) {
		t.Fatalf("file %q export %q", rig.File(), rig.ExportLine())
	}
	var sum strings.Builder
	rig.WriteSummary(&sum)
	if !strings.Contains(sum.String(), rec.Redis.Addr) || !strings.Contains(sum.String(), rig.ExportLine()) {
		t.Fatalf("summary lacks address or export line:\n%s", sum.String())
	}

	again, failed, err := RigUp(ctx, dir, []string{KindRedis})
	if err != nil || len(failed) != 0 {
		t.Fatalf("second rig up: %v %v", err, failed)
	}
	if got := again.state.Servers[KindRedis]; got.PID != rec.PID || got.Redis.Addr != rec.Redis.Addr {
		t.Fatalf("second rig up restarted redis: %+v, was %+v", got, rec)
	}

	// A registry pointed at the rig uses its server and starts nothing.
	t.Setenv(RigEnv, RigFile(dir))
	r := &registry{slots: map[string]*slot{}, running: true}
	shared, err := r.start(KindRedis)
	if err != nil {
		t.Fatalf("start from rig: %v", err)
	}
	if shared.Redis.Addr != rec.Redis.Addr || shared.proc != nil || len(r.started) != 0 || r.base != "" {
		t.Fatalf("registry did not use the rig's redis: %+v (rig %s)", shared, rec.Redis.Addr)
	}
	if err := shared.Redis.check(ctx); err != nil {
		t.Fatal(err)
	}

	if err := RigDown(dir); err != nil {
		t.Fatalf("rig down: %v", err)
	}
	if pidAlive(rec.PID) {
		t.Fatalf("redis pid %d alive after rig down", rec.PID)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("rig dir still there: %v", err)
	}
	// With the rig gone, a registry pointed at its state file says so instead of starting one.
	r = &registry{slots: map[string]*slot{}, running: true}
	if _, err := r.start(KindRedis); err == nil || !strings.Contains(err.Error(), RigEnv) {
		t.Fatalf("start from a removed rig: %v, want an error naming %s", err, RigEnv)
	}
}

func TestRigDownWithoutRig(t *testing.T) {
	if err := RigDown(filepath.Join(t.TempDir(), "none")); err != nil {
		t.Fatalf("rig down without a rig: %v", err)
	}
}
