package snapshot

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// entriesAt makes good entries at the given UTC times, oldest first.
func entriesAt(times ...string) []Entry {
	var out []Entry
	for _, s := range times {
		t, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			panic(err)
		}
		id := NewID(t)
		out = append(out, Entry{ID: id, Time: t, Manifest: &Manifest{ID: id}})
	}
	return out
}

func kept(ds []Decision) []int {
	var out []int
	for i, d := range ds {
		if d.Keep {
			out = append(out, i)
		}
	}
	return out
}

func TestPlan(t *testing.T) {
	// Two a day on Nov 28 (Sat) .. Dec 2 (Wed); ISO week 48 ends Sun Nov 29.
	es := entriesAt(
		"2026-11-28 01:00", "2026-11-28 13:00", // 0 1   week 48
		"2026-11-29 01:00", "2026-11-29 13:00", // 2 3   week 48 (Sunday)
		"2026-11-30 01:00", "2026-11-30 13:00", // 4 5   week 49
		"2026-12-01 01:00", "2026-12-01 13:00", // 6 7
		"2026-12-02 01:00", "2026-12-02 13:00", // 8 9
	)
	for _, c := range []struct {
		name string
		p    Policy
		want []int
	}{
		{"last 3", Policy{Last: 3}, []int{7, 8, 9}},
		{"daily 2", Policy{Daily: 2}, []int{7, 9}},
		{"daily 10 covers every day once", Policy{Daily: 10}, []int{1, 3, 5, 7, 9}},
		{"weekly 2", Policy{Weekly: 2}, []int{3, 9}},
		{"last 1 daily 3 weekly 2", Policy{Last: 1, Daily: 3, Weekly: 2}, []int{3, 5, 7, 9}},
		{"last 2 daily 1 overlap", Policy{Last: 2, Daily: 1}, []int{8, 9}},
		{"last 100", Policy{Last: 100}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
	} {
		if got := kept(Plan(es, c.p)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: kept %v, want %v", c.name, got, c.want)
		}
	}
	ds := Plan(es, Policy{Last: 1, Daily: 2, Weekly: 1})
	if got := strings.Join(ds[9].Reasons, ", "); got != "last, daily 2026-12-02, weekly 2026-W49" {
		t.Errorf("reasons of the newest: %q", got)
	}
	if got := strings.Join(ds[7].Reasons, ", "); got != "daily 2026-12-01" {
		t.Errorf("reasons of Dec 1 13:00: %q", got)
	}
	if len(ds[0].Reasons) != 0 || ds[0].Keep {
		t.Errorf("oldest: %+v", ds[0])
	}
}

// TestPlanKeepsNewestGood: whatever the policy, the newest snapshot with a
// valid manifest stays, even behind newer broken ones.
func TestPlanKeepsNewestGood(t *testing.T) {
	es := entriesAt("2026-12-01 01:00", "2026-12-01 02:00", "2026-12-01 03:00", "2026-12-01 04:00")
	es[3].Manifest, es[3].Err = nil, ErrBadManifest
	ds := Plan(es, Policy{Last: 1})
	if !ds[3].Keep || ds[3].Reasons[0] != ReasonBadManifst {
		t.Errorf("broken newest: %+v", ds[3])
	}
	if !ds[2].Keep || strings.Join(ds[2].Reasons, ",") != "last" {
		t.Errorf("newest good: %+v", ds[2])
	}
	if ds[0].Keep || ds[1].Keep {
		t.Errorf("older ones kept: %v", kept(ds))
	}
}

func TestPlanNewestReason(t *testing.T) {
	// Validate refuses a policy that keeps nothing, but Plan itself still
	// never drops the newest good snapshot.
	es := entriesAt("2026-12-01 01:00", "2026-12-02 01:00")
	ds := Plan(es, Policy{})
	if kept(ds)[0] != 1 || len(kept(ds)) != 1 || ds[1].Reasons[0] != ReasonNewest {
		t.Fatalf("zero policy: %+v", ds)
	}
	if err := (Policy{}).Validate(); err == nil {
		t.Error("zero policy validated")
	}
	if err := (Policy{Last: -1, Daily: 1}).Validate(); err == nil {
		t.Error("negative count validated")
	}
	if err := (Policy{Weekly: 1}).Validate(); err != nil {
		t.Error(err)
	}
	if ds := Plan(nil, Policy{Last: 1}); len(ds) != 0 {
		t.Errorf("Plan(nil) = %v", ds)
	}
}

func TestPlanIncomplete(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	inc := []Incomplete{
		{ID: NewID(now.Add(-48 * time.Hour)), Time: now.Add(-48 * time.Hour), LastWrite: now.Add(-47 * time.Hour)},
		{ID: NewID(now.Add(-30 * time.Hour)), Time: now.Add(-30 * time.Hour), LastWrite: now.Add(-2 * time.Hour)}, // long, still writing
		{ID: NewID(now.Add(-time.Hour)), Time: now.Add(-time.Hour), LastWrite: now.Add(-time.Minute)},
		{ID: "notes", LastWrite: now.Add(-100 * time.Hour)},
	}
	ds := PlanIncomplete(inc, now, 24*time.Hour)
	want := []bool{true, false, false, false}
	for i, d := range ds {
		if d.Remove != want[i] {
			t.Errorf("%s: remove=%v (%s), want %v", d.ID, d.Remove, d.Reason, want[i])
		}
	}
	if !strings.Contains(ds[0].Reason, "47h ago (over 24h)") || !strings.Contains(ds[1].Reason, "may still be running") ||
		!strings.Contains(ds[3].Reason, "not a snapshot id") {
		t.Errorf("reasons: %q / %q / %q", ds[0].Reason, ds[1].Reason, ds[3].Reason)
	}
}

func TestDeleteRefusesForeignDirectories(t *testing.T) {
	for _, id := range []string{"", "notes", "../x", "20261201T000000Z", "20261201T000000Z-a/../../b"} {
		if _, err := DeleteSnapshot(t.Context(), nil, id); err == nil || !strings.Contains(err.Error(), "not a snapshot directory") {
			t.Errorf("DeleteSnapshot(%q): %v", id, err)
		}
		if _, err := DeleteIncomplete(t.Context(), nil, id); err == nil {
			t.Errorf("DeleteIncomplete(%q) accepted", id)
		}
	}
	if errors.Is(ErrCompleted, ErrNotFound) {
		t.Fatal("sentinels overlap")
	}
}

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 59 * time.Second: "59s", 90 * time.Second: "1m", 5*time.Hour + 10*time.Minute: "5h10m",
		24 * time.Hour: "24h", 50 * time.Hour: "2d2h", 72 * time.Hour: "3d",
	} {
		if got := Age(d); got != want {
			t.Errorf("Age(%s) = %q, want %q", d, got, want)
		}
	}
}
