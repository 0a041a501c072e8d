package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pilotlight-dr/pilotlight/binlog"
)

// Lag states of a status report.
const (
	lagCaughtUp = "caught_up" // nothing missing
	lagUnknown  = "unknown"   // transactions missing, none applied yet: no commit time to measure from
	lagBehind   = "behind"
)

// statusReport is `pilotlight status`; its JSON field names are stable.
type statusReport struct {
	Stream               string        `json:"stream"`
	CheckedAt            time.Time     `json:"checked_at"`
	Source               endpointInfo  `json:"source"`
	Standby              endpointInfo  `json:"standby"`
	SourceGTIDSet        string        `json:"source_gtid_set"`
	CheckpointGTIDSet    string        `json:"checkpoint_gtid_set"`
	MissingTransactions  uint64        `json:"missing_transactions"`
	MissingGTIDSet       string        `json:"missing_gtid_set"`
	MissingBySource      []missingPart `json:"missing_by_source"`
	Lag                  string        `json:"lag"`         // caught_up, unknown or behind
	LagSeconds           *float64      `json:"lag_seconds"` // null when unknown, 0 when caught up
	LastSourceCommit     *time.Time    `json:"last_source_commit"`
	RPOSeconds           float64       `json:"rpo_seconds"`
	RPOOK                bool          `json:"rpo_ok"`
	CheckpointUpdatedAt  time.Time     `json:"checkpoint_updated_at"`
	CheckpointAgeSeconds float64       `json:"checkpoint_age_seconds"`
	ErrantGTIDSet        string        `json:"errant_gtid_set"`
	DivergentDomains     []uint32      `json:"divergent_domains"`
	// CheckpointToken is the fencing token stored in the checkpoint row: only
	// the replicate whose lease carries it may commit.
	CheckpointToken uint64      `json:"checkpoint_token"`
	Applier         applierInfo `json:"applier"`
	// Held are the triggers and events held on the standby (they do not run
	// there; promotion releases them).
	Held []binlog.HeldObject `json:"held"`
}

type endpointInfo struct {
	URL      string `json:"url"` // password masked
	Flavor   string `json:"flavor"`
	Version  string `json:"version"`
	Identity string `json:"identity"`
}

// missingPart is the missing transactions of one MariaDB domain or MySQL source UUID.
type missingPart struct {
	Source string `json:"source"`
	Count  uint64 `json:"count"`
	GTIDs  string `json:"gtids"`
}

type applierInfo struct {
	State    string     `json:"state"` // running, not_running or unknown
	PID      int        `json:"pid,omitempty"`
	Host     string     `json:"host,omitempty"`
	Since    *time.Time `json:"since,omitempty"`
	Token    uint64     `json:"token,omitempty"`
	LeaseDir string     `json:"lease_dir"`
	Detail   string     `json:"detail"`
}

func (r *statusReport) writeJSON(w io.Writer) error {
	if r.DivergentDomains == nil {
		r.DivergentDomains = []uint32{}
	}
	if r.Held == nil {
		r.Held = []binlog.HeldObject{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

func (r *statusReport) writeTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, args...)) }
	row("stream", "%s", r.Stream)
	row("source", "%s (%s %s, %s)", r.Source.URL, r.Source.Flavor, r.Source.Version, r.Source.Identity)
	row("standby", "%s (%s %s)", r.Standby.URL, r.Standby.Flavor, r.Standby.Version)
	row("source position", "%s", orNone(r.SourceGTIDSet))
	row("standby checkpoint", "%s", orNone(r.CheckpointGTIDSet))
	row("not yet on standby", "%s", r.missingText())
	row("lag", "%s", r.lagText())
	verdict := "OK"
	if !r.RPOOK {
		verdict = "NOT MET"
	}
	row("RPO", "%s (target %s)", verdict, seconds(r.RPOSeconds))
	row("checkpoint age", "%s (updated %s)", seconds(r.CheckpointAgeSeconds), r.CheckpointUpdatedAt.Format(time.RFC3339))
	row("errant transactions", "%s", r.errantText())
	row("applier", "%s", r.applierText())
	row("held on standby", "%s", r.heldText())
	return tw.Flush()
}

func (r *statusReport) applierText() string {
	a := r.Applier
	switch {
	case a.State != "running" || a.Token == 0:
		return fmt.Sprintf("%s; the checkpoint's fencing token is %d", a.Detail, r.CheckpointToken)
	case a.Token == r.CheckpointToken:
		return fmt.Sprintf("%s: its token holds the stream", a.Detail)
	case a.Token < r.CheckpointToken:
		return fmt.Sprintf("%s, but the checkpoint holds token %d: a newer replicate (another host or lease "+
			"directory) holds the stream and this one is fenced", a.Detail, r.CheckpointToken)
	}
	return fmt.Sprintf("%s, claiming the stream (the checkpoint still holds token %d)", a.Detail, r.CheckpointToken)
}

func (r *statusReport) heldText() string {
	if len(r.Held) == 0 {
		return "nothing (no trigger or event to hold)"
	}
	var triggers, events []string
	for _, h := range r.Held {
		if h.Kind == "trigger" {
			triggers = append(triggers, h.Schema+"."+h.Name)
		} else {
			events = append(events, h.Schema+"."+h.Name)
		}
	}
	var parts []string
	if len(triggers) > 0 {
		parts = append(parts, fmt.Sprintf("%s (%s)", countOf(len(triggers), "trigger"), strings.Join(triggers, ", ")))
	}
	if len(events) > 0 {
		parts = append(parts, fmt.Sprintf("%s (%s)", countOf(len(events), "event"), strings.Join(events, ", ")))
	}
	return strings.Join(parts, ", ") + ": they do not run for the applier (its rows carry their effects); " +
		"promotion releases them"
}

func (r *statusReport) missingText() string {
	if r.MissingTransactions == 0 {
		return "none"
	}
	parts := make([]string, 0, len(r.MissingBySource))
	for _, p := range r.MissingBySource {
		parts = append(parts, fmt.Sprintf("%s: %d (%s)", p.Source, p.Count, p.GTIDs))
	}
	return fmt.Sprintf("%d transactions: %s", r.MissingTransactions, strings.Join(parts, "; "))
}

func (r *statusReport) lagText() string {
	switch r.Lag {
	case lagCaughtUp:
		return "caught up"
	case lagUnknown:
		return "unknown: no transaction applied yet for this stream"
	}
	return fmt.Sprintf("%s (last applied source commit %s)", seconds(*r.LagSeconds), r.LastSourceCommit.Format(time.RFC3339))
}

func (r *statusReport) errantText() string {
	var msgs []string
	if r.ErrantGTIDSet != "" {
		msgs = append(msgs, fmt.Sprintf("%s is on the standby's checkpoint but not on the primary: "+
			"the standby diverged or points at the wrong primary; resolve it before any cutover", r.ErrantGTIDSet))
	}
	if len(r.DivergentDomains) > 0 {
		msgs = append(msgs, fmt.Sprintf("domains %v end at the same sequence number written by different servers: "+
			"the histories diverged", r.DivergentDomains))
	}
	if len(msgs) == 0 {
		return "none"
	}
	return "RED FLAG: " + strings.Join(msgs, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}

// seconds renders a duration in seconds as 850ms, 12.3s or 5m0s.
func seconds(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// splitMembers splits a MySQL GTID set into its per-UUID members.
func splitMembers(set string) []string {
	var out []string
	for _, m := range strings.Split(set, ",") {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, m)
		}
	}
	return out
}

// uuidOf is the source UUID of a MySQL GTID set member.
func uuidOf(member string) string {
	u, _, _ := strings.Cut(member, ":")
	return u
}

// countOf is "1 trigger" or "3 triggers".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
