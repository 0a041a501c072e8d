package main

import "testing"

func TestSnapshotPartSize(t *testing.T) {
	for _, c := range []struct {
		threads, sinks int
		want           int64
	}{
		{1, 1, 32 << 20}, // few uploads: parts large enough for a chunk in one PUT
		{2, 1, 21 << 20}, // the budget shared, in whole MiB
		{4, 4, 5 << 20},  // many: S3's minimum
		{64, 4, 5 << 20},
	} {
		if got := snapshotPartSize(c.threads, c.sinks); got != c.want {
			t.Errorf("%d threads, %d sinks: part %d, want %d", c.threads, c.sinks, got, c.want)
		}
	}
}
