package sinks

import (
	"context"
	"io"
)

// copyChunk is the size of one read of CopyContext: it bounds memory and is
// how soon a cancelled context is noticed.
const copyChunk = 1 << 20

// CopyContext copies r to w until EOF, like io.Copy, but stops with ctx's
// error between reads once ctx is done, so that a cancelled transfer ends
// promptly even when neither side watches the context.
func CopyContext(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	buf := make([]byte, copyChunk)
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return total, err
			}
			total += int64(n)
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}
