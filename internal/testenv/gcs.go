package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// GCSServer is a fake-gcs-server (memory backend, -public-host set). Clients set
// STORAGE_EMULATOR_HOST=Endpoint and use option.WithoutAuthentication().
type GCSServer struct {
	Endpoint string `json:"endpoint"` // http://127.0.0.1:PORT
}

// FakeGCS returns the test binary's fake-gcs-server, starting it on first use.
func FakeGCS(t testing.TB) *GCSServer {
	t.Helper()
	return server(t, KindFakeGCS).GCS
}

// NewBucket creates a fresh, uniquely named bucket and returns its name.
func (g *GCSServer) NewBucket(t testing.TB) string {
	t.Helper()
	name := uniqueName(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := g.createBucket(ctx, name); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return name
}

// createBucket uses the JSON API: POST /storage/v1/b?project=...
func (g *GCSServer) createBucket(ctx context.Context, name string) error {
	body, err := json.Marshal(map[string]string{"name": name})
	if err != nil {
		return err
	}
	url := g.Endpoint + "/storage/v1/b?project=pilotlight-test"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("create bucket %s at %s: %s: %s", name, g.Endpoint, resp.Status, msg)
	}
	return nil
}

func startFakeGCS(ctx context.Context, dir string, detached bool) (*record, error) {
	bin, err := findBinary("fake-gcs-server")
	if err != nil {
		return nil, err
	}
	port, err := freePort(false)
	if err != nil {
		return nil, err
	}
	host := "127.0.0.1:" + strconv.Itoa(port)
	rec := &record{GCS: &GCSServer{Endpoint: "http://" + host}}
	p, err := launch(dir, detached, nil, bin, "-scheme", "http", "-host", "127.0.0.1",
		"-port", strconv.Itoa(port), "-public-host", host, "-external-url", "http://"+host,
		"-backend", "memory", "-log-level", "warn")
	if err != nil {
		return nil, err
	}
	return ready(ctx, KindFakeGCS, rec, p)
}
