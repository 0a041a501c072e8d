// Package coord coordinates pilotlight processes: leases with fencing tokens,
// so that one applier runs per stream and one cutover at a time (DESIGN.md,
// invariant 6).
//
// # What protects the data
//
// A lease alone does not make writes safe. A holder can lose its lease and
// keep running for a while: a process paused by the scheduler, a Redis lease
// that expired during a network cut, a lock file on a host whose clock or
// filesystem misbehaved. The fencing token is what closes that gap. Every
// lease carries a token strictly greater than every token handed out before
// for the same name, and the write that matters checks it: the standby's
// checkpoint row stores the highest token that ever committed and refuses a
// commit carrying a lower one, in the same transaction as the data. A stale
// holder therefore cannot commit anything once a newer holder has committed,
// however long it lives on.
//
// Callers must pass Lease.Token to the checkpoint write and treat a refusal
// as "lease lost": stop applying and exit, never retry with the same token.
package coord

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrHeld is returned (wrapped in a *HeldError) when a lease is held by
// someone else and the caller asked not to wait.
var ErrHeld = errors.New("coord: lease is held by another process")

// Lease is held by one process at a time for a name (e.g. "replicate/<stream>").
type Lease interface {
	// Name is the name the lease was acquired for.
	Name() string
	// Token is the fencing token: strictly greater than every token handed
	// out before for this name, even across crashes. Pass it to the
	// checkpoint write, which refuses tokens lower than the highest it saw.
	Token() uint64
	// Lost is closed when the lease is no longer held. For the file backend
	// this only happens at Release (the kernel lock cannot be taken away from
	// a live process); backends with expiring leases close it when renewal
	// fails.
	Lost() <-chan struct{}
	// Release gives the lease up. It is idempotent: later calls return nil.
	Release(ctx context.Context) error
}

// Coordinator hands out leases.
type Coordinator interface {
	// Acquire takes the lease for name. With wait it blocks, polling with
	// backoff, until the lease is free or ctx ends (returning an error that
	// wraps ctx.Err()). Without wait it returns a *HeldError wrapping ErrHeld
	// at once when someone else holds it.
	Acquire(ctx context.Context, name string, wait bool, opts ...AcquireOption) (Lease, error)
}

// AcquireOption tunes one Acquire.
type AcquireOption func(*acquireOptions)

type acquireOptions struct {
	floor uint64
}

// Above makes the lease's token greater than floor: the highest token the
// protected resource has seen (the checkpoint row's). A coordinator that lost
// its counter (another lease directory, a new host, a Redis without its data)
// must still hand out a token that fences every earlier holder, not one the
// checkpoint would refuse.
func Above(floor uint64) AcquireOption {
	return func(o *acquireOptions) { o.floor = max(o.floor, floor) }
}

func applyOptions(opts []AcquireOption) acquireOptions {
	var o acquireOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Holder describes the process holding a lease, as far as it is known.
type Holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
	Token uint64    `json:"token"`
}

// HeldError reports that a lease is held. errors.Is(err, ErrHeld) is true.
type HeldError struct {
	Name   string
	Holder Holder // zero when the holder has not written its details (yet)
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("coord: lease %q is %s", e.Name, e.Holder)
}

// String reads "held by pid 12 on host db1 since 2026-01-02T03:04:05Z (token 7)".
func (h Holder) String() string {
	if h.PID == 0 {
		return "held by another process (holder unknown)"
	}
	return fmt.Sprintf("held by pid %d on host %s since %s (token %d)",
		h.PID, h.Host, h.Since.UTC().Format(time.RFC3339), h.Token)
}

// Unwrap makes errors.Is(err, ErrHeld) work.
func (e *HeldError) Unwrap() error { return ErrHeld }
