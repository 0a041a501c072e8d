package testenv

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestFakeGCS(t *testing.T) {
	t.Parallel()
	g := FakeGCS(t)
	bucket := g.NewBucket(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	payload := []byte("chunk-0001 \x00\xff")
	up := g.Endpoint + "/upload/storage/v1/b/" + bucket + "/o?uploadType=media&name=" + url.QueryEscape("dir/chunk")
	resp := gcsDo(ctx, t, http.MethodPost, up, payload)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %s", resp.Status)
	}
	down := g.Endpoint + "/storage/v1/b/" + bucket + "/o/" + url.PathEscape("dir/chunk") + "?alt=media"
	resp = gcsDo(ctx, t, http.MethodGet, down, nil)
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, payload) {
		t.Fatalf("download: %s %q, want %q", resp.Status, got, payload)
	}
	// A bucket that was never created does not exist.
	resp = gcsDo(ctx, t, http.MethodGet, g.Endpoint+"/storage/v1/b/pl-no-such-bucket", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("missing bucket: %s, want 404", resp.Status)
	}
}

func gcsDo(ctx context.Context, t *testing.T, method, u string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
