// Package progress reports the progress of long transfers: a live line on a
// terminal, a structured log line now and then otherwise.
package progress

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Counter counts bytes moved through a reader.
type Counter struct {
	r io.Reader
	n atomic.Int64
}

// NewCounter wraps r.
func NewCounter(r io.Reader) *Counter { return &Counter{r: r} }

func (c *Counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Bytes is the count so far.
func (c *Counter) Bytes() int64 { return c.n.Load() }

// Reporter prints the progress of one transfer until Stop.
type Reporter struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	tty    bool
	w      io.Writer
}

// Start reports count() for what, every second on a terminal w (one line
// rewritten in place), or every 15 s through log otherwise.
func Start(ctx context.Context, w io.Writer, log *slog.Logger, what string, count func() int64) *Reporter {
	start := time.Now()
	return Loop(ctx, w, func(ctx context.Context, tty bool) {
		n := count()
		rate := Rate(n, time.Since(start))
		if tty {
			fmt.Fprintf(w, "\r%s: %s  %s/s   ", what, Bytes(n), Bytes(int64(rate)))
		} else {
			log.InfoContext(ctx, "progress", "what", what, "bytes", n, "bytes_per_second", int64(rate))
		}
	})
}

// Loop calls report every second when w is a terminal (tty true: report
// rewrites one line, starting with \r), every 15 s otherwise (tty false:
// report logs), until Stop.
func Loop(ctx context.Context, w io.Writer, report func(ctx context.Context, tty bool)) *Reporter {
	ctx, cancel := context.WithCancel(ctx)
	r := &Reporter{cancel: cancel, tty: IsTerminal(w), w: w}
	every := 15 * time.Second
	if r.tty {
		every = time.Second
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				report(ctx, r.tty)
			}
		}
	}()
	return r
}

// Stop ends the reports and clears the live line.
func (r *Reporter) Stop() {
	r.cancel()
	r.wg.Wait()
	if r.tty {
		fmt.Fprint(r.w, "\r\033[K")
	}
}

// Rate is bytes per second.
func Rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Bytes formats n in binary units: 1.50 GiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.2f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// IsTerminal reports whether w is a character device (a terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
