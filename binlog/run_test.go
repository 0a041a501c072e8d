package binlog

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakeSource yields events, then err.
type fakeSource struct {
	events []Event
	err    error
}

func (f *fakeSource) Next(context.Context) (Event, error) {
	if len(f.events) == 0 {
		return nil, f.err
	}
	e := f.events[0]
	f.events = f.events[1:]
	return e, nil
}

func TestRunCountsEventsAndWrapsTheEnd(t *testing.T) {
	m, err := NewMetrics("run-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	src := &fakeSource{events: []Event{Heartbeat{Timestamp: time.Now()}, Heartbeat{Timestamp: time.Now()}}, err: boom}
	err = Run(context.Background(), src, &Applier{}, m)
	if !errors.Is(err, boom) {
		t.Fatalf("Run: %v, want it to wrap the source's error", err)
	}
	if got := testutil.ToFloat64(m.events); got != 2 {
		t.Errorf("events received: %v, want 2", got)
	}
	if err := Run(context.Background(), &fakeSource{err: boom}, &Applier{}, nil); !errors.Is(err, boom) {
		t.Errorf("Run without metrics: %v", err)
	}
}

func TestRowChanges(t *testing.T) {
	two := [][]any{{1}, {2}}
	for _, c := range []struct {
		kind RowsKind
		want int
	}{{Insert, 2}, {Update, 1}, {Delete, 2}} {
		if got := rowChanges(Rows{Kind: c.kind, Rows: two}); got != c.want {
			t.Errorf("%s of 2 images: %d row changes, want %d", c.kind, got, c.want)
		}
	}
}
