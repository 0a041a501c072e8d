package sinks

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// CheckStep is one probe of Check.
type CheckStep struct {
	Name     string        `json:"step"` // write, stat, read, list, delete
	OK       bool          `json:"ok"`
	Duration time.Duration `json:"duration_ns"`
	Err      string        `json:"error,omitempty"`
	err      error
}

// CheckReport is what Check found.
type CheckReport struct {
	Sink  string      `json:"sink"`
	Key   string      `json:"probe_key"`
	Steps []CheckStep `json:"steps"`
}

// OK reports whether every step passed.
func (r CheckReport) OK() bool {
	for _, s := range r.Steps {
		if !s.OK {
			return false
		}
	}
	return len(r.Steps) > 0
}

// FirstError returns the first failed step's error, or nil.
func (r CheckReport) FirstError() error {
	for _, s := range r.Steps {
		if !s.OK {
			return fmt.Errorf("%s: %w", s.Name, s.err)
		}
	}
	return nil
}

// CheckPrefix is where Check writes its probe objects.
const CheckPrefix = ".pilotlight-check/"

// Check proves that s can be used: it writes a small probe object, stats it,
// reads it back and verifies it, finds it by listing, and deletes it. Every
// step is attempted even when an earlier one fails (a read-only credential
// can still list), so the report shows exactly which permissions work.
func Check(ctx context.Context, s Sink) CheckReport {
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	key := CheckPrefix + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(nonce[:])
	payload := make([]byte, 64<<10)
	_, _ = rand.Read(payload)
	rep := CheckReport{Sink: s.String(), Key: key}

	step := func(name string, fn func() error) bool {
		start := time.Now()
		err := fn()
		st := CheckStep{Name: name, OK: err == nil, Duration: time.Since(start), err: err}
		if err != nil {
			st.Err = err.Error()
		}
		rep.Steps = append(rep.Steps, st)
		return err == nil
	}

	var written Object
	wrote := step("write", func() error {
		var err error
		written, err = s.Put(ctx, key, bytes.NewReader(payload))
		return err
	})
	step("stat", func() error {
		o, err := s.Stat(ctx, key)
		if err == nil && wrote && (o.Size != int64(len(payload)) || (o.SHA256 != "" && o.SHA256 != written.SHA256)) {
			err = fmt.Errorf("probe object reports %d bytes (sha256 %q), wrote %d bytes (sha256 %s)", o.Size, o.SHA256, len(payload), written.SHA256)
		}
		if err == nil && o.SHA256 == "" {
			err = fmt.Errorf("probe object has no stored SHA-256: the store dropped its metadata")
		}
		return err
	})
	step("read", func() error {
		rc, err := s.Open(ctx, key)
		if err != nil {
			return err
		}
		defer rc.Close()
		got, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, payload) {
			return fmt.Errorf("%w: probe object read back differs from what was written", ErrCorrupt)
		}
		return nil
	})
	step("list", func() error {
		found := false
		err := s.List(ctx, CheckPrefix, func(o Object) error {
			if o.Key == key {
				found = true
			}
			return nil
		})
		if err == nil && wrote && !found {
			err = errors.New("listing does not show the probe object just written")
		}
		return err
	})
	step("delete", func() error {
		if err := s.Delete(ctx, key); err != nil {
			return err
		}
		if !wrote {
			return nil
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, ErrNotExist) {
			if err == nil {
				return errors.New("probe object still exists after delete")
			}
			return err
		}
		return nil
	})
	return rep
}
