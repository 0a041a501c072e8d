package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// cloud is one real storage server as the CLI sees it: environment and URL.
type cloud struct {
	name   string
	env    []string
	base   string // sink URL of a fresh bucket/container, without query
	query  string // "?endpoint=..." etc.
	secret string // a credential that must never be printed
}

func (c cloud) url(path string) string { return c.base + "/" + path + c.query }

func minioCloud(t *testing.T) cloud {
	s := testenv.MinIO(t)
	return cloud{
		name:   "s3",
		env:    []string{"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey, "AWS_REGION=" + s.Region},
		base:   "s3://" + s.NewBucket(t),
		query:  "?endpoint=" + s.Endpoint + "&path_style=true&region=" + s.Region,
		secret: s.SecretKey,
	}
}

func gcsCloud(t *testing.T) cloud {
	g := testenv.FakeGCS(t)
	return cloud{name: "gs", base: "gs://" + g.NewBucket(t), query: "?endpoint=" + g.Endpoint}
}

func azureCloud(t *testing.T) cloud {
	a := testenv.Azurite(t)
	return cloud{
		name:   "azblob",
		env:    []string{"AZURE_STORAGE_ACCOUNT=" + a.Account, "AZURE_STORAGE_KEY=" + a.Key},
		base:   "azblob://" + a.NewContainer(t),
		query:  "?endpoint=" + a.Endpoint,
		secret: a.Key,
	}
}

func allClouds(t *testing.T) []cloud {
	return []cloud{minioCloud(t), gcsCloud(t), azureCloud(t)}
}

func envOf(cs ...cloud) []string {
	var env []string
	for _, c := range cs {
		env = append(env, c.env...)
	}
	return env
}

func TestSinkFileWorkflow(t *testing.T) {
	dir := t.TempDir()
	store := "file://" + dir
	local := filepath.Join(t.TempDir(), "dump.sql")
	content := bytes.Repeat([]byte("INSERT INTO t VALUES (1,'x');\n"), 50000)
	if err := os.WriteFile(local, content, 0o644); err != nil {
		t.Fatal(err)
	}

	r := pl(t, nil, nil, "sink", "check", store)
	r.want(t, 0, "sink check")
	if !strings.Contains(r.stdout, "ready") || strings.Count(r.stdout, " ok ") != 5 {
		t.Errorf("sink check output:\n%s", r.stdout)
	}
	pl(t, nil, nil, "sink", "cp", "-q", local, store+"/dumps/").want(t, 0, "cp up")
	r = pl(t, nil, nil, "sink", "ls", store)
	r.want(t, 0, "ls")
	if strings.TrimSpace(r.stdout) != "dumps/dump.sql" {
		t.Errorf("ls = %q", r.stdout)
	}
	r = pl(t, nil, nil, "sink", "ls", "--json", store+"/dumps")
	r.want(t, 0, "ls --json")
	var objs []struct {
		Key    string `json:"key"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &objs); err != nil || len(objs) != 1 || objs[0].Size != int64(len(content)) || len(objs[0].SHA256) != 64 {
		t.Errorf("ls --json = %s (%v)", r.stdout, err)
	}
	r = pl(t, nil, nil, "sink", "ls", "-l", store)
	if !strings.Contains(r.stdout, "1 objects") {
		t.Errorf("ls -l = %s", r.stdout)
	}
	back := filepath.Join(t.TempDir(), "back.sql")
	pl(t, nil, nil, "sink", "cp", store+"/dumps/dump.sql", back).want(t, 0, "cp down")
	if got, _ := os.ReadFile(back); !bytes.Equal(got, content) {
		t.Error("downloaded file differs")
	}
	r = pl(t, nil, nil, "sink", "cp", store+"/dumps/dump.sql", "-")
	r.want(t, 0, "cp to stdout")
	if r.stdout != string(content) {
		t.Error("stdout copy differs")
	}

	// A flipped byte is detected, named, and the local file is not created.
	stored := filepath.Join(dir, "dumps", "dump.sql")
	b, _ := os.ReadFile(stored)
	b[1000] ^= 0x20
	os.WriteFile(stored, b, 0o644)
	bad := filepath.Join(t.TempDir(), "bad.sql")
	r = pl(t, nil, nil, "sink", "cp", store+"/dumps/dump.sql", bad)
	r.want(t, 1, "cp of a corrupt object")
	oneLineError(t, r, `object "dump.sql" is corrupt`)
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Error("a corrupt download left a file behind")
	}
	entries, _ := os.ReadDir(filepath.Dir(bad))
	if len(entries) != 0 {
		t.Errorf("temp files left: %v", entries)
	}
}

func TestSinkURLMistakes(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "afile"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ url, want string }{
		// sink check writes, so a missing directory is made; one below a file cannot be.
		{"file://" + dir + "/afile/sub", "afile is a file, not a directory: fix the URL"},
		{"s4://bucket/x", `unknown scheme "s4"`},
		{"file://" + dir + "?colour=blue", `unknown parameter "colour"`},
		{"s3://bucket/x?regoin=us-east-1", `unknown parameter "regoin"`},
		{"gs://bucket/x?endpiont=http://127.0.0.1:1", `unknown parameter "endpiont"`},
		{"azblob://container/x?acount=a", `unknown parameter "acount"`},
	}
	for _, c := range cases {
		r := pl(t, nil, nil, "sink", "check", c.url)
		r.want(t, 1, "sink check", c.url)
		oneLineError(t, r, c.want)
	}
}

func TestSinkCloudCopies(t *testing.T) {
	clouds := allClouds(t)
	env := envOf(clouds...)
	for _, c := range clouds {
		r := pl(t, env, nil, "sink", "check", c.url("dr"))
		r.want(t, 0, "sink check", c.name)
		if !strings.Contains(r.stdout, "ready") {
			t.Errorf("%s: sink check:\n%s", c.name, r.stdout)
		}
	}
	const size = 37*sinktest.MiB + 5
	want := sinktest.DataSHA256(t, 42, size)
	// stdin -> s3 -> gs -> azblob -> stdout: every hop streams and verifies.
	pl(t, env, sinktest.Data(42, size), "sink", "cp", "-", clouds[0].url("hop/obj.bin")).want(t, 0, "stdin to s3")
	pl(t, env, nil, "sink", "cp", clouds[0].url("hop/obj.bin"), clouds[1].url("hop/obj.bin")).want(t, 0, "s3 to gs")
	pl(t, env, nil, "sink", "cp", clouds[1].url("hop/obj.bin"), clouds[2].url("hop/")).want(t, 0, "gs to azblob")
	r := pl(t, env, nil, "sink", "cp", clouds[2].url("hop/obj.bin"), "-")
	r.want(t, 0, "azblob to stdout")
	got, n, _ := sinktest.ReadSHA256(strings.NewReader(r.stdout))
	if got != want || n != size {
		t.Errorf("after three hops: %d bytes sha %s, want %d bytes sha %s", n, got, size, want)
	}
	for _, c := range clouds {
		r := pl(t, env, nil, "sink", "ls", "--json", c.url("hop"))
		r.want(t, 0, "ls", c.name)
		if !strings.Contains(r.stdout, `"key":"obj.bin","size":`+fmt.Sprint(size)) {
			t.Errorf("%s: ls --json does not list the object:\n%s", c.name, r.stdout)
		}
		if c.name == "s3" {
			continue // S3 listings carry no user metadata
		}
		if !strings.Contains(r.stdout, `"sha256":"`+want+`"`) {
			t.Errorf("%s: ls --json does not show the stored SHA-256:\n%s", c.name, r.stdout)
		}
	}
}

// A directory the user running pilotlight cannot write is a clear
// permission error naming the uid, and nothing is left in it.
func TestFileSinkPermissionDenied(t *testing.T) {
	dir := t.TempDir()
	var cred *syscall.Credential
	if os.Getuid() == 0 {
		cred = &syscall.Credential{Uid: 65534, Gid: 65534} // nobody: root ignores file modes
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		// nobody must reach dir to be refused writing into it: open up the
		// test's own temp parent (0700), never a shared directory like /tmp.
		if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
	} else if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	r := plAs(t, cred, nil, strings.NewReader("data"), "sink", "cp", "-", "file://"+dir+"/obj")
	r.want(t, 1, "cp into a read-only directory")
	uid := os.Getuid()
	if cred != nil {
		uid = int(cred.Uid)
	}
	oneLineError(t, r, fmt.Sprintf("permission denied: the user running pilotlight (uid %d) cannot write under %s", uid, dir))
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused upload left %v", entries)
	}
}
