package file

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

func harness() sinktest.Harness {
	return sinktest.Harness{
		New: func(t *testing.T) sinks.Sink {
			s, err := New(t.TempDir(), sinks.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Corrupt: func(t *testing.T, s sinks.Sink, key string, truncate bool) {
			p := s.(*Sink).path(key)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if truncate {
				b = b[:len(b)-1]
			} else {
				b[len(b)/2] ^= 0x01
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		},
		Leftovers: func(t *testing.T, s sinks.Sink) []string {
			var left []string
			err := filepath.WalkDir(s.(*Sink).root, func(p string, d os.DirEntry, err error) error {
				if err == nil && strings.HasSuffix(p, ".part") {
					left = append(left, p)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return left
		},
	}
}

func TestSuite(t *testing.T) { sinktest.Run(t, harness()) }

func TestOpenURL(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cases := []struct {
		url  string
		want error
	}{
		{"file://" + dir, nil},
		{"file://" + dir + "/missing", sinks.ErrNoBucket},
		{"file://somehost/x", sinks.ErrBadURL},
		{"file://" + dir + "?mode=fast", sinks.ErrBadURL},
		{"file://", sinks.ErrBadURL},
	}
	for _, c := range cases {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Open(ctx, u, sinks.Options{})
		if !errors.Is(err, c.want) {
			t.Errorf("Open(%q) = %v, want %v", c.url, err, c.want)
		}
		if err == nil && !strings.HasSuffix(s.String(), dir) {
			t.Errorf("String() = %q", s.String())
		}
	}
}

func TestReservedAndPlainFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir, sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Put(ctx, "a/.pilotlight/x", strings.NewReader("x")); !errors.Is(err, sinks.ErrBadURL) {
		t.Errorf("Put into the reserved directory = %v, want ErrBadURL", err)
	}
	// A file dropped in by hand has no checksum: readable, listed, unverified.
	if err := os.WriteFile(filepath.Join(dir, "manual.sql"), []byte("select 1;"), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := s.Stat(ctx, "manual.sql")
	if err != nil || o.SHA256 != "" || o.Size != 9 {
		t.Errorf("Stat(manual.sql) = %+v, %v", o, err)
	}
	got, n, err := readAll(s, "manual.sql")
	if err != nil || n != 9 || got == "" {
		t.Errorf("read manual.sql: %d bytes, %v", n, err)
	}
	// The checksum is found when the store is opened at a subdirectory.
	if _, err := s.Put(ctx, "sub/obj", strings.NewReader("payload")); err != nil {
		t.Fatal(err)
	}
	sub, err := New(filepath.Join(dir, "sub"), sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := sub.Stat(ctx, "obj"); err != nil || len(o.SHA256) != 64 {
		t.Errorf("Stat through a sink opened at sub/ = %+v, %v; want the stored SHA-256", o, err)
	}
	// The object is a plain file with the exact bytes.
	if _, err := s.Put(ctx, "a/b/c.txt", strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "a", "b", "c.txt"))
	if err != nil || string(b) != "hello" {
		t.Errorf("file content %q, %v", b, err)
	}
}

func TestPermissionDenied(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root ignores file modes; permission errors cannot be provoked")
	}
	dir := t.TempDir()
	s, err := New(dir, sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if _, err := s.Put(context.Background(), "x", strings.NewReader("x")); !errors.Is(err, sinks.ErrPermission) {
		t.Errorf("Put into a read-only directory = %v, want ErrPermission", err)
	}
}

func readAll(s sinks.Sink, key string) (string, int64, error) {
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	return sinktest.ReadSHA256(rc)
}
