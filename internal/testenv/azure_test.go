package testenv

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAzurite(t *testing.T) {
	t.Parallel()
	a := Azurite(t)
	if !strings.HasSuffix(a.Endpoint, "/devstoreaccount1") || a.Account != "devstoreaccount1" {
		t.Fatalf("unexpected server description %+v", a)
	}
	cs := a.ConnectionString()
	for _, want := range []string{"AccountName=devstoreaccount1", "AccountKey=" + a.Key, "BlobEndpoint=" + a.Endpoint} {
		if !strings.Contains(cs, want) {
			t.Errorf("connection string %q lacks %q", cs, want)
		}
	}
	container := a.NewContainer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	payload := []byte("manifest \x00 json")
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, a.Endpoint+"/"+container+"/snap/manifest.json", bytes.NewReader(payload))
	req.Header.Set("x-ms-blob-type", "BlockBlob")
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := a.send(req)
	if err != nil {
		t.Fatalf("put blob: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("put blob: %s", resp.Status)
	}

	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, a.Endpoint+"/"+container+"/snap/manifest.json", nil)
	resp, err = a.send(req)
	if err != nil {
		t.Fatalf("get blob: %v", err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, payload) {
		t.Fatalf("get blob: %s %q, want %q", resp.Status, got, payload)
	}

	// A wrong key is refused: the server really checks signatures.
	bad := *a
	bad.Key = "AAAA" + a.Key[4:]
	if err := bad.check(ctx); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("list with a wrong key: %v, want 403", err)
	}
}
