package snapshottest_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/backends"
	"github.com/pilotlight-dr/pilotlight/sinks/file"
)

// backend opens a fresh, empty sink on one real store.
type backend struct {
	name string
	open func(t *testing.T) sinks.Sink
}

func backendsUnderTest() []backend {
	return []backend{
		{"file", func(t *testing.T) sinks.Sink {
			s, err := file.New(t.TempDir(), sinks.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"s3", func(t *testing.T) sinks.Sink {
			srv := testenv.MinIO(t)
			t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
			t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
			return openURL(t, "s3://"+srv.NewBucket(t)+"/dr?endpoint="+srv.Endpoint+"&path_style=true&region="+srv.Region)
		}},
		{"gs", func(t *testing.T) sinks.Sink {
			g := testenv.FakeGCS(t)
			return openURL(t, "gs://"+g.NewBucket(t)+"/dr?endpoint="+g.Endpoint)
		}},
		{"azblob", func(t *testing.T) sinks.Sink {
			a := testenv.Azurite(t)
			t.Setenv("AZURE_STORAGE_ACCOUNT", a.Account)
			t.Setenv("AZURE_STORAGE_KEY", a.Key)
			return openURL(t, "azblob://"+a.NewContainer(t)+"/dr?endpoint="+a.Endpoint)
		}},
	}
}

func openURL(t *testing.T, u string) sinks.Sink {
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

func flipByte(at int) func([]byte) []byte {
	return func(b []byte) []byte {
		b = bytes.Clone(b)
		b[min(at, len(b)-1)] ^= 0x10
		return b
	}
}

func truncate(n int) func([]byte) []byte {
	return func(b []byte) []byte { return b[:len(b)-n] }
}
