package snapshot

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/seal"
)

// TestTakeEncrypted: with a key, every stored object is ciphertext (no zstd
// frame, no SQL), the manifest names the key by its id only, and the
// snapshot reads back, and loads, with that key alone.
func TestTakeEncrypted(t *testing.T) {
	ctx := t.Context()
	src, dst := tkNewServer(t), tkNewServer(t)
	src.exec(t, "CREATE DATABASE sec", "CREATE TABLE sec.t (id INT PRIMARY KEY, v VARCHAR(64))",
		"INSERT INTO sec.t VALUES (1, 'top secret INSERT INTO'), (2, 'more')")
	key, err := seal.NewKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sink := tkFileSink(t)
	m, err := Take(ctx, src.db, Options{Sink: sink, Threads: 2,
		Seal:   func(w io.Writer) (io.WriteCloser, error) { return seal.NewWriter(w, key) },
		Crypto: &Crypto{Algorithm: seal.Algorithm, KeyID: key.ID()}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Encryption == nil || m.Encryption.KeyID != key.ID() {
		t.Fatalf("manifest encryption %+v, want key id %s", m.Encryption, key.ID())
	}
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, bytes.Repeat([]byte{7}, 4)) || strings.Contains(string(data), "0707070707") {
		t.Error("the manifest holds the key")
	}
	var script bytes.Buffer
	for _, f := range m.Files() {
		if !strings.HasSuffix(f.Key, ".aes") {
			t.Errorf("%s: an encrypted object without the .aes extension", f.Key)
		}
		rc, err := sink.Open(ctx, Dir(m.ID)+f.Key)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(raw, []byte{0x28, 0xb5, 0x2f, 0xfd}) || bytes.Contains(raw, []byte("secret")) || bytes.Contains(raw, []byte("SET NAMES")) {
			t.Errorf("%s is not ciphertext", f.Key)
		}
		if _, err := OpenFile(ctx, sink, m, f, nil); err == nil {
			t.Errorf("%s opened without the key", f.Key)
		}
		plain, err := OpenFile(ctx, sink, m, f, &key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(&script, plain); err != nil {
			t.Fatalf("%s: %v", f.Key, err)
		}
		plain.Close()
	}
	tkLoad(t, dst, script.Bytes())
	if got, want := tkChecksums(t, dst.db, "sec.t"), tkChecksums(t, src.db, "sec.t"); got != want {
		t.Errorf("decrypted load %s, source %s", got, want)
	}
}
