package snapshot

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
)

// Progress counts a running snapshot's work for a progress display. Its
// methods are safe for concurrent use; the zero value is ready.
type Progress struct {
	rows, raw, stored atomic.Int64
	tablesDone        atomic.Int64

	mu          sync.Mutex
	tablesTotal int64
	rowsTotal   int64 // the server's estimate
}

// ProgressSnapshot is one reading of a Progress.
type ProgressSnapshot struct {
	Rows, RowsEstimate      int64
	RawBytes, StoredBytes   int64
	TablesDone, TablesTotal int64
}

// Read returns the counts so far.
func (p *Progress) Read() ProgressSnapshot {
	p.mu.Lock()
	tt, rt := p.tablesTotal, p.rowsTotal
	p.mu.Unlock()
	return ProgressSnapshot{Rows: p.rows.Load(), RowsEstimate: rt, RawBytes: p.raw.Load(), StoredBytes: p.stored.Load(),
		TablesDone: p.tablesDone.Load(), TablesTotal: tt}
}

func (p *Progress) start(tables []*tableInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tablesTotal = int64(len(tables))
	for _, t := range tables {
		p.rowsTotal += t.rowsEstimate
	}
}

func (p *Progress) addRows(rows, raw int64) {
	p.rows.Add(rows)
	p.raw.Add(raw)
}

func (p *Progress) addStored(n int64) { p.stored.Add(n) }

// chunkDone counts a table done when its last chunk (the one without an
// upper bound) is: close enough for a display, as the chunks of a table
// finish at about the same time.
func (p *Progress) chunkDone(j chunkJob) {
	if j.to == nil {
		p.tablesDone.Add(1)
	}
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
