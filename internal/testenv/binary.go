package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// MissingBinaryError says a server's binary is not installed.
type MissingBinaryError struct {
	Binary string
	Looked []string // directories searched besides PATH
}

func (e *MissingBinaryError) Error() string {
	return fmt.Sprintf("%s not found (looked in PATH, %s); install it with `make deps` (internal/testenv/install.sh)",
		e.Binary, strings.Join(e.Looked, ", "))
}

// findBinary looks for name in PATH, then in Go's bin directories, then in sbin directories,
// then (for Node tools) in the repo's node_modules/.bin and npm's global bin.
func findBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	dirs := goBinDirs()
	dirs = append(dirs, "/usr/local/sbin", "/usr/sbin", "/sbin")
	if strings.HasPrefix(name, "azurite") {
		dirs = append(dirs, nodeBinDirs()...)
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &MissingBinaryError{Binary: name, Looked: dirs}
}

// goBinDirs is where `go install` puts binaries: $GOBIN, else each $GOPATH/bin, else ~/go/bin.
func goBinDirs() []string {
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	for _, p := range filepath.SplitList(os.Getenv("GOPATH")) {
		if p != "" {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	return dirs
}

// nodeBinDirs: node_modules/.bin of the module root (found upwards from the working
// directory), then npm's global bin directory.
func nodeBinDirs() []string {
	var dirs []string
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dirs = append(dirs, filepath.Join(d, "node_modules", ".bin"))
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if out, err := exec.Command("npm", "prefix", "-g").Output(); err == nil {
		if prefix := strings.TrimSpace(string(out)); prefix != "" {
			dirs = append(dirs, filepath.Join(prefix, "bin"))
		}
	}
	return append(dirs, "/usr/local/bin", "/usr/bin")
}
