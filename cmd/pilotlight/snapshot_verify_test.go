package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/snapshot"
	"github.com/pilotlight-dr/pilotlight/snapshot/snapshottest"
)

// ordersChunk is chunk n (from 1) of shop.orders in the fixture.
func ordersChunk(m *snapshot.Manifest, n int) snapshot.File {
	return m.Schemas[0].Tables[3].Chunks[n-1].File
}

func TestSnapshotVerify(t *testing.T) {
	forEachStore(t, func(t *testing.T, st snapStore) {
		keyFile, key := snapKey(t, 5)
		otherKey, _ := snapKey(t, 6)
		plain := snapshottest.Write(t, st.sink, snapshottest.Options{Time: snapDay0})
		sealed := snapshottest.Write(t, st.sink, snapshottest.Options{Time: snapDay0.Add(24 * 3600e9), Key: key})

		r := pl(t, st.env, nil, "snapshot", "verify", st.url, plain.ID)
		r.want(t, 0, "verify")
		if !strings.HasPrefix(r.stdout, "ok  snapshot "+plain.ID+": 15 objects") || !strings.Contains(r.stdout, "decompresses") {
			t.Errorf("verify:\n%s", r.stdout)
		}
		r = pl(t, st.env, nil, "snapshot", "verify", st.url, "latest")
		r.want(t, 0, "verify sealed without key")
		if !strings.Contains(r.stdout, sealed.ID) || !strings.Contains(r.stdout, "add --encrypt-key-file") {
			t.Errorf("verify sealed without key:\n%s", r.stdout)
		}
		r = pl(t, st.env, nil, "snapshot", "verify", "--encrypt-key-file", keyFile, st.url, "latest")
		r.want(t, 0, "verify sealed with key")
		if !strings.Contains(r.stdout, "decompresses") {
			t.Errorf("verify sealed with key:\n%s", r.stdout)
		}
		r = pl(t, st.env, nil, "snapshot", "verify", "--encrypt-key-file", otherKey, st.url, "latest")
		r.want(t, 1, "verify sealed with the wrong key")
		oneLineError(t, r, "wrong key (key id ")

		// A flipped byte in chunk 3 and a truncated chunk 2 of shop.orders:
		// both printed, in load order; the first is the error.
		dir := snapshot.Dir(plain.ID)
		c2, c3 := dir+ordersChunk(plain, 2).Key, dir+ordersChunk(plain, 3).Key
		snapshottest.Rewrite(t, st.sink, c3, func(b []byte) []byte { b = bytes.Clone(b); b[len(b)/2] ^= 0x04; return b })
		snapshottest.Rewrite(t, st.sink, c2, func(b []byte) []byte { return b[:len(b)-100] })
		r = pl(t, st.env, nil, "snapshot", "verify", st.url, plain.ID)
		r.want(t, 1, "verify damaged")
		oneLineError(t, r, "snapshot "+plain.ID+" is damaged: 2 of 15 objects bad; first: object "+c2+" is corrupt")
		bad := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(bad) != 2 || !strings.Contains(bad[0], c2) || !strings.Contains(bad[0], "the manifest says") ||
			!strings.Contains(bad[1], c3) || !strings.Contains(bad[1], "SHA-256") {
			t.Errorf("verify damaged, stdout:\n%s", r.stdout)
		}
	})
}

// TestSnapshotVerifyFileOnDisk damages a file:// snapshot behind the sink's
// back (a flipped byte on disk, a truncated file, a deleted one).
func TestSnapshotVerifyFileOnDisk(t *testing.T) {
	st := fileSnapStore(t)
	m := snapshottest.Write(t, st.sink, snapshottest.Options{Time: snapDay0})
	path := func(f snapshot.File) string {
		return filepath.Join(st.dir, filepath.FromSlash(snapshot.Dir(m.ID)+f.Key))
	}
	p1 := path(ordersChunk(m, 1))
	b, err := os.ReadFile(p1)
	if err != nil {
		t.Fatal(err)
	}
	b[40] ^= 0xff
	os.WriteFile(p1, b, 0o644)
	os.Truncate(path(m.Schemas[1].Tables[0].Create), 5)
	os.Remove(path(*m.Schemas[0].Objects))

	r := pl(t, nil, nil, "snapshot", "verify", st.url, m.ID)
	r.want(t, 1, "verify damaged on disk")
	oneLineError(t, r, "3 of 15 objects bad; first: object "+snapshot.Dir(m.ID)+ordersChunk(m, 1).Key+" is corrupt")
	if !strings.Contains(r.stdout, "@objects.sql.zst is missing") || !strings.Contains(r.stdout, "it is 5 bytes, the manifest says") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}
