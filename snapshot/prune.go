package snapshot

import (
	"errors"
	"fmt"
	"time"
)

// Policy is a retention policy in the manner of restic's forget: on the
// snapshot times in UTC, keep the Last newest snapshots, the newest one of
// each of the Daily most recent days that have a snapshot, and the newest
// one of each of the Weekly most recent ISO weeks that have one. A snapshot
// kept for several reasons counts for each. Whatever the policy, the newest
// good snapshot is always kept.
type Policy struct {
	Last, Daily, Weekly int
}

// Validate checks the policy keeps something by rule.
func (p Policy) Validate() error {
	if p.Last < 0 || p.Daily < 0 || p.Weekly < 0 {
		return errors.New("keep counts cannot be negative")
	}
	if p.Last == 0 && p.Daily == 0 && p.Weekly == 0 {
		return errors.New("a retention policy needs at least one of keep-last, keep-daily and keep-weekly")
	}
	return nil
}

// Decision is what the policy does with one snapshot.
type Decision struct {
	Entry   Entry
	Keep    bool
	Reasons []string // why it is kept; empty when removed
}

// Keep reasons that are not a policy rule.
const (
	ReasonNewest     = "newest good snapshot (always kept)"
	ReasonBadManifst = "manifest unreadable (never removed automatically; inspect it, then delete it by hand)"
)

// Plan applies p to entries (as from Scan: oldest first) and returns one
// decision per entry, in the same order. Snapshots whose manifest cannot
// be read are kept and take no place in the counts: prune never removes
// what it cannot understand, and such a snapshot does not crowd out a good
// one.
func Plan(entries []Entry, p Policy) []Decision {
	out := make([]Decision, len(entries))
	type rule struct {
		name   string
		left   int
		bucket func(time.Time, string) string
		last   string
	}
	rules := []*rule{
		{name: "last", left: p.Last, bucket: func(_ time.Time, id string) string { return id }},
		{name: "daily", left: p.Daily, bucket: func(t time.Time, _ string) string { return t.UTC().Format("2006-01-02") }},
		{name: "weekly", left: p.Weekly, bucket: func(t time.Time, _ string) string {
			y, w := t.UTC().ISOWeek()
			return fmt.Sprintf("%04d-W%02d", y, w)
		}},
	}
	newest := true
	for i := len(entries) - 1; i >= 0; i-- { // newest first
		e := entries[i]
		d := Decision{Entry: e}
		if !e.Good() {
			d.Keep, d.Reasons = true, []string{ReasonBadManifst}
			out[i] = d
			continue
		}
		for _, r := range rules {
			if r.left <= 0 {
				continue
			}
			b := r.bucket(e.Time, e.ID)
			if b == r.last {
				continue // an earlier (newer) snapshot holds this day or week
			}
			r.last = b
			r.left--
			d.Keep = true
			if r.name == "last" {
				d.Reasons = append(d.Reasons, "last")
			} else {
				d.Reasons = append(d.Reasons, r.name+" "+b)
			}
		}
		if newest {
			newest = false
			if !d.Keep {
				d.Keep = true
				d.Reasons = append(d.Reasons, ReasonNewest)
			}
		}
		out[i] = d
	}
	return out
}

// IncompleteDecision is what prune does with a directory without manifest.
type IncompleteDecision struct {
	Incomplete
	Remove bool
	Reason string
}

// PlanIncomplete removes the incomplete snapshots whose newest object is
// older than after: a snapshot being written keeps adding objects, so one
// that has added none for that long has failed. A directory whose name is
// not a snapshot id is never touched.
func PlanIncomplete(inc []Incomplete, now time.Time, after time.Duration) []IncompleteDecision {
	out := make([]IncompleteDecision, len(inc))
	for i, d := range inc {
		age := Age(now.Sub(d.LastWrite))
		out[i] = IncompleteDecision{Incomplete: d}
		switch {
		case d.Time.IsZero():
			out[i].Reason = "not a snapshot id: left alone"
		case now.Sub(d.LastWrite) > after:
			out[i].Remove = true
			out[i].Reason = fmt.Sprintf("no manifest, last write %s ago (over %s): a failed snapshot", age, Age(after))
		default:
			out[i].Reason = fmt.Sprintf("no manifest, last write %s ago: may still be running", age)
		}
	}
	return out
}

// Age formats a duration for people: "40s", "12m", "5h10m", "3d4h".
func Age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m != 0 {
			return fmt.Sprintf("%dh%dm", h, m)
		}
		return fmt.Sprintf("%dh", h)
	default:
		days, h := int(d.Hours())/24, int(d.Hours())%24
		if h != 0 {
			return fmt.Sprintf("%dd%dh", days, h)
		}
		return fmt.Sprintf("%dd", days)
	}
}
