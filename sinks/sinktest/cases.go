package sinktest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

func testRoundTrip(t *testing.T, h Harness) {
	s := newSink(t, h)
	sizes := []int64{0, 1, 10 * MiB, 300 * MiB}
	for i, size := range sizes {
		key := fmt.Sprintf("roundtrip/obj-%d", size)
		seed := uint64(100 + i)
		before := time.Now().Add(-time.Minute)
		put(t, s, key, seed, size)
		want := DataSHA256(t, seed, size)

		st, err := s.Stat(context.Background(), key)
		if err != nil {
			t.Fatalf("Stat(%q): %v", key, err)
		}
		if st.Key != key || st.Size != size || st.SHA256 != want {
			t.Errorf("Stat(%q) = %+v, want size %d sha %s", key, st, size, want)
		}
		if st.ModTime.Before(before) {
			t.Errorf("Stat(%q).ModTime = %v, want a recent time", key, st.ModTime)
		}
		got, n, err := readBack(t, s, key)
		if err != nil {
			t.Fatalf("read back %q: %v", key, err)
		}
		if got != want || n != size {
			t.Errorf("read back %q: %d bytes sha %s, want %d bytes sha %s", key, n, got, size, want)
		}
	}
	var listed []sinks.Object
	if err := s.List(context.Background(), "roundtrip/", func(o sinks.Object) error {
		listed = append(listed, o)
		return nil
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(listed) != len(sizes) {
		t.Fatalf("List(roundtrip/) returned %d objects, want %d: %+v", len(listed), len(sizes), listed)
	}
	for _, o := range listed {
		if !strings.HasPrefix(o.Key, "roundtrip/obj-") || o.Size < 0 {
			t.Errorf("List returned %+v", o)
		}
	}
}

func testNotExist(t *testing.T, h Harness) {
	s := newSink(t, h)
	mustNotExist(t, s, "never/written")
	if err := s.Delete(context.Background(), "never/written"); err != nil {
		t.Errorf("Delete of a missing key = %v, want nil (idempotent)", err)
	}
	put(t, s, "gone/soon", 7, 1234)
	if err := s.Delete(context.Background(), "gone/soon"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	mustNotExist(t, s, "gone/soon")
	// Stat and Open of a "directory" that only exists as a key prefix.
	put(t, s, "dir/child", 8, 10)
	mustNotExist(t, s, "dir")
}

func testOverwrite(t *testing.T, h Harness) {
	s := newSink(t, h)
	put(t, s, "over/write", 1, 5000)
	put(t, s, "over/write", 2, 7000)
	got, n, err := readBack(t, s, "over/write")
	if err != nil {
		t.Fatal(err)
	}
	if want := DataSHA256(t, 2, 7000); got != want || n != 7000 {
		t.Errorf("after overwrite read %d bytes sha %s, want the second object (7000 bytes, %s)", n, got, want)
	}
}

func testBadKey(t *testing.T, h Harness) {
	s := newSink(t, h)
	for _, key := range []string{"", "/abs", "a/../b", "../escape", "a//b", "trailing/"} {
		if _, err := s.Put(context.Background(), key, Data(1, 10)); !errors.Is(err, sinks.ErrBadURL) {
			t.Errorf("Put(%q) = %v, want an error wrapping ErrBadURL", key, err)
		}
	}
}

func testListPagination(t *testing.T, h Harness) {
	s := newSink(t, h)
	const perDir = 550 // two prefixes: 1100 keys, more than one 1000-key page
	var want []string
	errs := make(chan error, 2*perDir)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, dir := range []string{"many/a", "many/b"} {
		for i := range perDir {
			key := fmt.Sprintf("%s/%05d", dir, i)
			want = append(want, key)
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				_, err := s.Put(context.Background(), key, strings.NewReader(key))
				if err != nil {
					errs <- fmt.Errorf("Put(%q): %w", key, err)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	put(t, s, "many-sibling", 3, 3) // shares the "many" prefix but not "many/"
	sort.Strings(want)

	got := listKeys(t, s, "many/")
	if len(got) != len(want) {
		t.Fatalf("List(many/) returned %d keys, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("List(many/)[%d] = %q, want %q (keys must come in lexical order)", i, got[i], want[i])
		}
	}
	if got := listKeys(t, s, "many/b/"); len(got) != perDir || got[0] != "many/b/00000" {
		t.Errorf("List(many/b/) returned %d keys starting %v, want %d", len(got), got[:min(1, len(got))], perDir)
	}
	if got := listKeys(t, s, "many/a/0012"); len(got) != 10 {
		t.Errorf("List(many/a/0012) returned %d keys, want 10: %v", len(got), got)
	}
	if got := listKeys(t, s, "many"); len(got) != len(want)+1 || got[len(got)-1] != "many/b/00549" {
		t.Errorf("List(many) returned %d keys, want %d with many-sibling first", len(got), len(want)+1)
	}
	if got := listKeys(t, s, "nothing-here/"); len(got) != 0 {
		t.Errorf("List(nothing-here/) = %v, want none", got)
	}
	stop := errors.New("stop")
	calls := 0
	err := s.List(context.Background(), "many/", func(sinks.Object) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("List with fn failing on call 3 returned %v after %d calls, want the fn error after 3", err, calls)
	}
}

func listKeys(t *testing.T, s sinks.Sink, prefix string) []string {
	t.Helper()
	var keys []string
	if err := s.List(context.Background(), prefix, func(o sinks.Object) error {
		keys = append(keys, o.Key)
		return nil
	}); err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return keys
}

func testConcurrentPuts(t *testing.T, h Harness) {
	s := newSink(t, h)
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("conc/%02d", i)
			size := int64(i) * 300 * 1024
			obj, err := s.Put(context.Background(), key, Data(uint64(i), size))
			if err != nil {
				errs <- fmt.Errorf("Put(%q): %w", key, err)
				return
			}
			if obj.Size != size {
				errs <- fmt.Errorf("Put(%q) size %d, want %d", key, obj.Size, size)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range n {
		key := fmt.Sprintf("conc/%02d", i)
		size := int64(i) * 300 * 1024
		got, m, err := readBack(t, s, key)
		if err != nil || m != size || got != DataSHA256(t, uint64(i), size) {
			t.Errorf("read back %q: %d bytes, err %v; want %d intact bytes", key, m, err, size)
		}
	}
}
