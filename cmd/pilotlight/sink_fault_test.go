package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// deadEndpoint is a loopback address where nothing listens.
func deadEndpoint(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestSinkCheckFailuresAreOneClearLine(t *testing.T) {
	s3 := minioCloud(t)
	az := azureCloud(t)
	gs := gcsCloud(t)
	dead := deadEndpoint(t)
	badS3 := []string{"AWS_ACCESS_KEY_ID=minioadmin", "AWS_SECRET_ACCESS_KEY=WRONG-SECRET-0123456789", "AWS_REGION=us-east-1"}
	badAz := []string{"AZURE_STORAGE_ACCOUNT=devstoreaccount1", "AZURE_STORAGE_KEY=V1JPTkctS0VZLTAxMjM0NTY3ODk="}
	cases := []struct {
		name   string
		env    []string
		url    string
		want   string
		secret string
	}{
		{"s3 bad credentials", badS3, s3.url("x"), "AWS_SECRET_ACCESS_KEY", "WRONG-SECRET-0123456789"},
		{"s3 missing bucket", s3.env, strings.Replace(s3.url("x"), s3.base, "s3://no-such-bucket-pl", 1), "does not exist", s3.secret},
		{"s3 wrong endpoint", s3.env, "s3://bucket/x?endpoint=" + dead + "&path_style=true&region=us-east-1", "127.0.0.1", s3.secret},
		{"azure bad key", badAz, az.url("x"), "refused the shared key in AZURE_STORAGE_KEY", "V1JPTkctS0VZLTAxMjM0NTY3ODk="},
		{"azure missing container", az.env, strings.Replace(az.url("x"), az.base, "azblob://no-such-container", 1), "does not exist", az.secret},
		{"azure wrong endpoint", az.env, "azblob://c/x?endpoint=" + dead + "/devstoreaccount1", "127.0.0.1", az.secret},
		{"gcs missing bucket", nil, strings.Replace(gs.url("x"), gs.base, "gs://no-such-bucket-pl", 1), "does not exist", ""},
		{"gcs wrong endpoint", nil, "gs://b/x?endpoint=" + dead, "127.0.0.1", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := pl(t, append(c.env, "PILOTLIGHT_TEST=1"), nil, "sink", "check", "--timeout", "45s", "--log-level", "debug", c.url)
			r.want(t, 1, "sink check", c.url)
			var secrets []string
			if c.secret != "" {
				secrets = append(secrets, c.secret)
			}
			oneLineError(t, r, c.want, secrets...)
		})
	}
}

// A 2 GiB upload must stay under 128 MiB of peak RSS: memory is bounded by
// part size x concurrency, not by the object. fake-gcs-server re-hashes the
// whole object on every chunk (quadratic: 2 GiB takes minutes), so GCS gets
// 512 MiB, which is still 32 parts through the same bounded pipeline.
func TestUploadMemoryIsBounded(t *testing.T) {
	for _, c := range allClouds(t) {
		t.Run(c.name, func(t *testing.T) {
			size := int64(2 << 30)
			if c.name == "gs" {
				size = 512 << 20
			}
			want := sinktest.DataSHA256(t, 7, size)
			r := pl(t, c.env, sinktest.Data(7, size), "sink", "cp", "-", c.url("big/2g.bin"))
			r.want(t, 0, "2 GiB upload to", c.name)
			if !strings.Contains(r.stderr, want) {
				t.Errorf("upload summary lacks the SHA-256 %s: %s", want, r.stderr)
			}
			t.Logf("%s: %d MiB upload, peak RSS %d MiB", c.name, size>>20, r.maxRSSKiB/1024)
			if r.maxRSSKiB > 128*1024 {
				t.Errorf("%s: peak RSS %d MiB for a %d MiB upload, want under 128 MiB", c.name, r.maxRSSKiB/1024, size>>20)
			}
		})
	}
}

// SIGINT (a terminal) or SIGTERM (Kubernetes stopping a pod) mid-upload
// exits 130 and leaves nothing visible.
func TestInterruptedUploadLeavesNothing(t *testing.T) {
	for _, c := range allClouds(t) {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Getenv("PILOTLIGHT_TEST_BIN"), "sink", "cp", "-", c.url("int/obj.bin"))
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, c.env...)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// 40 MiB: more than two parts are on their way, then the signal.
			if _, err := io.Copy(stdin, sinktest.Data(1, 40*sinktest.MiB)); err != nil {
				t.Fatal(err)
			}
			sig := syscall.SIGINT
			if c.name == "gs" {
				sig = syscall.SIGTERM
			}
			cmd.Process.Signal(sig)
			go io.Copy(stdin, sinktest.Data(2, 1<<30)) // the source keeps flowing
			err = cmd.Wait()
			stdin.Close()
			if code := cmd.ProcessState.ExitCode(); code != 130 {
				t.Fatalf("exit %d after %v, want 130 (err %v)\n%s", code, sig, err, stderr.String())
			}
			r := pl(t, c.env, nil, "sink", "ls", c.url("int"))
			r.want(t, 0, "ls after interrupt")
			if strings.TrimSpace(r.stdout) != "" {
				t.Errorf("an interrupted upload is visible: %s", r.stdout)
			}
		})
	}
}

// Every log line stays free of secrets even at debug level.
func TestDebugLogsCarryNoSecrets(t *testing.T) {
	c := minioCloud(t)
	r := pl(t, c.env, strings.NewReader("hello"), "sink", "cp", "--log-level", "debug", "--log-format", "json", "-", c.url("log/x"))
	r.want(t, 0, "cp")
	sc := bufio.NewScanner(strings.NewReader(r.stderr))
	for sc.Scan() {
		if strings.Contains(sc.Text(), c.secret) {
			t.Errorf("log line carries the secret key: %s", sc.Text())
		}
	}
}
