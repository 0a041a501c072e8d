package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeKeyFile(t *testing.T, content []byte, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(p, content, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return p
}

// rawKey is 32 key bytes that begin and end with white space, which a
// loader must not trim.
var rawKey = append(append([]byte{'\n', ' '}, bytes.Repeat([]byte{0xa5, 0x00, 0x7f}, 9)...), 0xff, ' ', '\t')

func TestLoadKeyFileEncodings(t *testing.T) {
	want, err := NewKey(rawKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"raw":              rawKey,
		"hex":              []byte(hex.EncodeToString(rawKey)),
		"HEX with newline": []byte(strings.ToUpper(hex.EncodeToString(rawKey)) + "\n"),
		"base64":           []byte(base64.StdEncoding.EncodeToString(rawKey) + "\n"),
		"base64 no pad":    []byte("  " + base64.RawStdEncoding.EncodeToString(rawKey) + "\r\n"),
		"base64url":        []byte(base64.URLEncoding.EncodeToString(rawKey)),
	} {
		k, err := LoadKeyFile(writeKeyFile(t, content, 0o600))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if k.ID() != want.ID() || k.b != want.b {
			t.Fatalf("%s: loaded another key (id %s, want %s)", name, k.ID(), want.ID())
		}
		if k.Warning() != "" {
			t.Fatalf("%s: warning for a 0600 file: %s", name, k.Warning())
		}
	}
}

func TestLoadKeyFileErrors(t *testing.T) {
	const secretish = "hunter2hunter2hunter2hunter2hunt" // 32 printable bytes
	dir := t.TempDir()
	for name, c := range map[string]struct {
		path string
		want string
	}{
		"missing":    {filepath.Join(dir, "nope"), "no such file or directory"},
		"directory":  {dir, "not a regular file"},
		"empty":      {writeKeyFile(t, nil, 0o600), "is empty"},
		"spaces":     {writeKeyFile(t, []byte(" \n\t\n"), 0o600), "is empty"},
		"passphrase": {writeKeyFile(t, []byte(secretish), 0o600), "looks like a passphrase"},
		"short hex":  {writeKeyFile(t, []byte(hex.EncodeToString(rawKey[:16])), 0o600), "32 hex digits"},
		"bad hex":    {writeKeyFile(t, []byte(strings.Repeat("zz", 32)), 0o600), "not hex digits"},
		"31 bytes":   {writeKeyFile(t, rawKey[:31], 0o600), "not a key"},
		"huge":       {writeKeyFile(t, bytes.Repeat([]byte{0x80}, 10000), 0o600), "larger than"},
	} {
		_, err := LoadKeyFile(c.path)
		if err == nil {
			t.Fatalf("%s: loaded", name)
		}
		msg := err.Error()
		if !strings.Contains(msg, c.want) || !strings.Contains(msg, c.path) {
			t.Fatalf("%s: %q does not name the file and say %q", name, msg, c.want)
		}
		if strings.Contains(msg, "hunter2") {
			t.Fatalf("%s: error repeats the file's content: %s", name, msg)
		}
		if strings.Count(msg, c.path) > 2 {
			t.Fatalf("%s: path repeated: %s", name, msg)
		}
		if name != "missing" && name != "directory" && !errors.Is(err, ErrBadKey) {
			t.Fatalf("%s: not ErrBadKey: %v", name, err)
		}
		if name != "missing" && name != "directory" && !strings.Contains(msg, "openssl rand -hex 32") {
			t.Fatalf("%s: does not say how to make a key: %s", name, msg)
		}
	}
}

func TestLoadKeyFileLoosePermissions(t *testing.T) {
	p := writeKeyFile(t, []byte(hex.EncodeToString(rawKey)), 0o644)
	k, err := LoadKeyFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if w := k.Warning(); !strings.Contains(w, "chmod 600 "+p) || !strings.Contains(w, "0644") {
		t.Fatalf("warning = %q", w)
	}
	k2, err := LoadKeyFile(writeKeyFile(t, []byte(hex.EncodeToString(rawKey)), 0o400))
	if err != nil || k2.Warning() != "" {
		t.Fatalf("0400: %v, warning %q", err, k2.Warning())
	}
}

func TestKeyID(t *testing.T) {
	a, b := testKey(t, 1), testKey(t, 2)
	if len(a.ID()) != 16 || a.ID() == b.ID() {
		t.Fatalf("ids %s and %s", a.ID(), b.ID())
	}
	if strings.Contains(hex.EncodeToString(a.b[:]), a.ID()) {
		t.Fatal("the id is part of the key")
	}
	if again := testKey(t, 1); again.ID() != a.ID() {
		t.Fatal("id not stable")
	}
	if _, err := NewKey(make([]byte, 31)); !errors.Is(err, ErrBadKey) {
		t.Fatalf("NewKey(31 bytes): %v", err)
	}
}

// TestKeyNeverPrinted formats a key every way a program might and checks
// that the key material (in any common encoding) never shows.
func TestKeyNeverPrinted(t *testing.T) {
	k, err := NewKey(rawKey)
	if err != nil {
		t.Fatal(err)
	}
	forms := []string{hex.EncodeToString(rawKey), strings.ToUpper(hex.EncodeToString(rawKey)),
		base64.StdEncoding.EncodeToString(rawKey), string(rawKey[2:20]), fmt.Sprint(rawKey[2:12])}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		out = append(out, fmt.Sprintf(verb, k), fmt.Sprintf(verb, &k), fmt.Sprintf(verb, struct{ K Key }{k}))
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "key", k, "ptr", &k)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "key", k)
	out = append(out, logs.String())
	j, _ := json.Marshal(struct{ K Key }{k})
	out = append(out, string(j), k.String(), k.GoString())
	for _, o := range out {
		for _, f := range forms {
			if strings.Contains(o, f) {
				t.Fatalf("key material printed: %q", o)
			}
		}
	}
	if !strings.Contains(fmt.Sprint(k), k.ID()) {
		t.Fatalf("String does not show the id: %s", k)
	}
}
