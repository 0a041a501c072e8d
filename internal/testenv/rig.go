package testenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// A rig is a set of detached servers shared by several test binaries (`make rig`): started by
// `go run ./internal/testenv/rig up`, described by a JSON state file that PILOTLIGHT_RIG names,
// stopped by `rig down`.

// rigState is the JSON state file.
type rigState struct {
	Dir     string             `json:"dir"`
	Servers map[string]*record `json:"servers"`
}

// Rig is a started rig.
type Rig struct {
	file  string
	state *rigState
}

// DefaultRigDir is $TMPDIR/pilotlight-rig.
func DefaultRigDir() string { return filepath.Join(os.TempDir(), "pilotlight-rig") }

// RigFile is the state file of the rig in dir.
func RigFile(dir string) string { return filepath.Join(dir, "rig.json") }

// File is the rig's state file, the value for PILOTLIGHT_RIG.
func (r *Rig) File() string { return r.file }

// ExportLine is the shell line that points tests at this rig.
func (r *Rig) ExportLine() string { return "export " + RigEnv + "=" + r.file }

// WriteSummary prints one line per server and the export line.
func (r *Rig) WriteSummary(w io.Writer) {
	for _, kind := range Kinds() {
		if rec, ok := r.state.Servers[kind]; ok {
			fmt.Fprintf(w, "%-16s %-52s pid %d\n", kind, rec.describe(), rec.PID)
		}
	}
	fmt.Fprintln(w, r.ExportLine())
}

// LoadRig reads the rig in dir; it fails with an error wrapping fs.ErrNotExist when none is up.
func LoadRig(dir string) (*Rig, error) {
	file := RigFile(dir)
	st, err := readRigState(file)
	if err != nil {
		return nil, err
	}
	return &Rig{file: file, state: st}, nil
}

// RigUp makes sure the servers of the given kinds (all when empty) run detached under dir:
// servers already up and answering are kept, the others are started. It returns the rig and
// the kinds that could not be started; err is for failures of the rig itself.
func RigUp(ctx context.Context, dir string, kinds []string) (*Rig, map[string]error, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("create rig dir: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()

	file := RigFile(dir)
	st, err := readRigState(file)
	if errors.Is(err, os.ErrNotExist) {
		st, err = &rigState{Dir: dir, Servers: map[string]*record{}}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if len(kinds) == 0 {
		kinds = Kinds()
	}

	var mu sync.Mutex
	failed := map[string]error{}
	var wg sync.WaitGroup
	for _, kind := range kinds {
		if rec, ok := st.Servers[kind]; ok && rigServerUp(ctx, rec) {
			continue
		}
		old := st.Servers[kind]
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec, err := startRigServer(ctx, dir, kind, old)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed[kind] = err
				delete(st.Servers, kind)
				return
			}
			st.Servers[kind] = rec
		}()
	}
	wg.Wait()
	if err := writeRigState(file, st); err != nil {
		return nil, failed, err
	}
	return &Rig{file: file, state: st}, failed, nil
}

func rigServerUp(ctx context.Context, rec *record) bool {
	if !pidAlive(rec.PID) {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, rigCheckWait)
	defer cancel()
	return waitAnswer(ctx, rec, nil) == nil
}

// startRigServer (re)starts one detached server in dir/kind, stopping a dead or deaf old one.
func startRigServer(ctx context.Context, dir, kind string, old *record) (*record, error) {
	if old != nil {
		if err := stopPID(old.PID); err != nil {
			return nil, err
		}
	}
	sdir := filepath.Join(dir, kind)
	if err := resetDir(sdir); err != nil {
		return nil, err
	}
	rec, err := startKind(ctx, kind, sdir, true)
	if err != nil {
		_ = os.RemoveAll(sdir)
		return nil, err
	}
	return rec, nil
}

// RigDown stops every server of the rig in dir and removes dir. No rig is not an error.
func RigDown(dir string) error {
	st, err := readRigState(RigFile(dir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var errs []error
	if st != nil {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for kind, rec := range st.Servers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := stopPID(rec.PID); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("stop %s: %w", kind, err))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	if len(errs) == 0 {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", dir, err))
		}
	}
	return errors.Join(errs...)
}

func readRigState(file string) (*rigState, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read rig state: %w", err)
	}
	var st rigState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("parse rig state %s: %w", file, err)
	}
	if st.Servers == nil {
		st.Servers = map[string]*record{}
	}
	for kind, rec := range st.Servers {
		if rec == nil {
			return nil, fmt.Errorf("rig state %s: no record for %s", file, kind)
		}
		rec.Kind = kind
	}
	return &st, nil
}

func writeRigState(file string, st *rigState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode rig state: %w", err)
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write rig state: %w", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("write rig state: %w", err)
	}
	return nil
}

// lockDir serializes concurrent `rig up`s on the same dir.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock rig dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock rig dir: %w", err)
	}
	return func() { f.Close() }, nil
}
