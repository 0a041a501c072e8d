package restore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/seal"
	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/backends"
	"github.com/pilotlight-dr/pilotlight/sinks/file"
	"github.com/pilotlight-dr/pilotlight/snapshot"
)

func openSink(t *testing.T, u string) sinks.Sink {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := backends.Open(ctx, u, sinks.Options{}, sinks.RetryPolicy{Attempts: 2})
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestRestoreEncryptedFromEverySink: one encrypted snapshot written to a file
// sink, MinIO (S3), fake-gcs-server (GCS) and Azurite (Azure Blob) at once,
// restored from each into a fresh server: every table equals the source.
// Without the key, nothing is written.
func TestRestoreEncryptedFromEverySink(t *testing.T) {
	ctx := t.Context()
	srcServer := testenv.NewMariaDB(t)
	src := open(t, srcServer.DSN(""))
	mustExec(t, src, appHistory...)
	orders(t, src, 1500)
	mustExec(t, src, "ANALYZE TABLE app.orders, app.audit")

	fs, err := file.New(t.TempDir(), sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	minio, gcs, azure := testenv.MinIO(t), testenv.FakeGCS(t), testenv.Azurite(t)
	t.Setenv("AWS_ACCESS_KEY_ID", minio.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", minio.SecretKey)
	t.Setenv("AZURE_STORAGE_ACCOUNT", azure.Account)
	t.Setenv("AZURE_STORAGE_KEY", azure.Key)
	all := map[string]sinks.Sink{
		"file":   fs,
		"s3":     openSink(t, "s3://"+minio.NewBucket(t)+"/dr?endpoint="+minio.Endpoint+"&path_style=true&region="+minio.Region),
		"gs":     openSink(t, "gs://"+gcs.NewBucket(t)+"/dr?endpoint="+gcs.Endpoint),
		"azblob": openSink(t, "azblob://"+azure.NewContainer(t)+"/dr?endpoint="+azure.Endpoint),
	}
	key, err := seal.NewKey(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	m, err := snapshot.Take(ctx, src, snapshot.Options{Sink: sinks.Fanout(all["file"], all["s3"], all["gs"], all["azblob"]),
		Threads: 2, ChunkSize: 32 << 10, Tool: "test",
		Seal:   func(w io.Writer) (io.WriteCloser, error) { return seal.NewWriter(w, key) },
		Crypto: &snapshot.Crypto{Algorithm: seal.Algorithm, KeyID: key.ID()}})
	if err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"file", "s3", "gs", "azblob"} {
		t.Run(name, func(t *testing.T) {
			dst := open(t, testenv.NewMariaDB(t).DSN(""))
			if _, err := Run(ctx, all[name], m, dst, Options{Verify: true}); !errors.Is(err, snapshot.ErrKeyRequired) {
				t.Fatalf("restore without the key: %v, want ErrKeyRequired", err)
			}
			if got := scalar(t, dst, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('app', 'pilotlight')"); got != "0" {
				t.Errorf("the refused restore created %s databases", got)
			}
			rep, err := Run(ctx, all[name], m, dst, Options{Threads: 2, Verify: true, DeferIndexes: true, Key: &key})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Chunks < 5 || !rep.Verified {
				t.Errorf("report %+v", rep)
			}
			sameData(t, &fixture{src: src, dst: dst})
		})
	}
}
