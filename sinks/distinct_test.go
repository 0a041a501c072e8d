package sinks_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/file"
)

func TestIdentity(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(dir)
	realWD, _ := filepath.EvalSymlinks(wd)
	same := [][]string{
		{"s3://bkt/a/b?endpoint=http://127.0.0.1:9000&path_style=true", "s3://bkt/a/b/?path_style=true&endpoint=http%3A%2F%2F127.0.0.1%3A9000%2F",
			"S3://bkt//a/b?region=eu-west-1&endpoint=HTTP://127.0.0.1:9000", "s3://bkt/a/b?endpoint=http://127.0.0.1:9000&path_style=1"},
		{"s3://bkt/p", "s3://bkt/p?region=us-east-1", "s3://bkt/p/"},
		{"gs://bkt/p?endpoint=http://127.0.0.1:80", "gs://bkt/p/?endpoint=http://127.0.0.1"},
		{"azblob://c/p?account=acct&endpoint=https://acct.blob.core.windows.net/", "azblob://c/p/?endpoint=https://acct.blob.core.windows.net:443&account=acct"},
		{"file://" + dir, "file://" + dir + "/", "file://localhost" + dir, "file://" + link, "file://" + dir + "/../" + filepath.Base(dir)},
		{"file://" + dir + "/not/yet", "file://" + link + "/not/yet/"},
		{"file://./x", "file://" + filepath.Join(wd, "x"), "file://" + filepath.Join(realWD, "x")},
	}
	different := [][2]string{
		{"s3://bkt/p", "s3://bkt/p2"},
		{"s3://bkt/p", "s3://bkt/p?endpoint=http://127.0.0.1:9000"},
		{"s3://bkt/p?endpoint=http://127.0.0.1:9000", "s3://bkt/p?endpoint=http://127.0.0.1:9001"},
		{"s3://bkt/p", "gs://bkt/p"},
		{"s3://bkt/p", "s3://Bkt/p"}, // legacy upper-case bucket names are their own buckets
		{"azblob://c/p?account=a1", "azblob://c/p?account=a2"},
		{"file://" + dir + "/a", "file://" + dir + "/b"},
		{"s3://bkt/p", "s3://bkt/p/sub"}, // nested, but distinct objects
	}
	id := func(raw string) string {
		s, err := sinks.Identity(raw)
		if err != nil {
			t.Fatalf("Identity(%q): %v", raw, err)
		}
		return s
	}
	for _, group := range same {
		want := id(group[0])
		for _, raw := range group[1:] {
			if got := id(raw); got != want {
				t.Errorf("Identity(%q) = %q, Identity(%q) = %q; want the same", group[0], want, raw, got)
			}
		}
	}
	if got := id("file://" + link + "/not/yet"); got != "file://"+filepath.Join(real, "not", "yet") {
		t.Errorf("a missing directory under a link: %q", got)
	}
	for _, pair := range different {
		if a, b := id(pair[0]), id(pair[1]); a == b {
			t.Errorf("Identity(%q) = Identity(%q) = %q; want them different", pair[0], pair[1], a)
		}
	}
}

func TestDistinct(t *testing.T) {
	t.Parallel()
	urls := []string{"s3://bkt/p?endpoint=http://127.0.0.1:9000", "gs://g/p", "s3://bkt/p/?endpoint=http://127.0.0.1:9000/&region=x"}
	err := sinks.Distinct(urls)
	var de *sinks.DuplicateError
	if !errors.Is(err, sinks.ErrDuplicate) || !errors.As(err, &de) {
		t.Fatalf("Distinct = %v, want a DuplicateError", err)
	}
	for _, raw := range []string{urls[0], urls[2]} {
		if !strings.Contains(err.Error(), raw) {
			t.Errorf("%q does not name the spelling %q", err, raw)
		}
	}
	if strings.ContainsAny(err.Error(), "\n") {
		t.Errorf("not one line: %q", err)
	}
	if err := sinks.Distinct(urls[:2]); err != nil {
		t.Errorf("Distinct of two sinks = %v", err)
	}
	// Secrets in a URL do not show in the message.
	err = sinks.Distinct([]string{"azblob://c/p?sig=s3cr3tSIG", "azblob://c/p/?sig=s3cr3tSIG"})
	if err == nil || strings.Contains(err.Error(), "s3cr3tSIG") {
		t.Errorf("Distinct with a SAS = %v; want a duplicate without the secret", err)
	}
}

func TestOpenAll(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var opened []string
	open := func(ctx context.Context, raw string) (sinks.Sink, error) {
		opened = append(opened, raw)
		return sinks.Registry{"file": file.Open}.Open(ctx, raw, sinks.Options{})
	}
	_, err := sinks.OpenAll(context.Background(), []string{"file://" + dir, "file://" + dir + "/"}, open)
	if !errors.Is(err, sinks.ErrDuplicate) || len(opened) != 0 {
		t.Fatalf("OpenAll of one directory twice = %v after opening %v; want ErrDuplicate before opening any", err, opened)
	}
	_, err = sinks.OpenAll(context.Background(), []string{"file://" + dir, "file://" + dir + "/missing"}, open)
	if !errors.Is(err, sinks.ErrNoBucket) {
		t.Errorf("OpenAll with a missing directory = %v, want ErrNoBucket", err)
	}
	other := t.TempDir()
	fan, err := sinks.OpenAll(context.Background(), []string{"file://" + dir, "file://" + other}, open)
	if err != nil {
		t.Fatal(err)
	}
	defer fan.Close()
	if _, err := fan.Put(context.Background(), "k", strings.NewReader("both")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, other} {
		if b, err := os.ReadFile(filepath.Join(d, "k")); err != nil || string(b) != "both" {
			t.Errorf("%s/k = %q, %v", d, b, err)
		}
	}
}
