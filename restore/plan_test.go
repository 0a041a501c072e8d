package restore

import (
	"slices"
	"testing"

	"github.com/pilotlight-dr/pilotlight/snapshot"
)

func chunkOf(key string, raw int64) snapshot.Chunk {
	return snapshot.Chunk{File: snapshot.File{Key: key, RawBytes: raw}}
}

// TestPlan: --include/--exclude choose tables, objects come only with the whole
// snapshot, and chunks load largest tables first, each table's in order.
func TestPlan(t *testing.T) {
	objs := &snapshot.File{Key: "shop/@objects"}
	m := &snapshot.Manifest{Schemas: []snapshot.Schema{
		{Name: "shop", Objects: objs, Tables: []snapshot.Table{
			{Name: "small", Chunks: []snapshot.Chunk{chunkOf("s1", 10)}},
			{Name: "big", Chunks: []snapshot.Chunk{chunkOf("b1", 100), chunkOf("b2", 100)}},
		}},
		{Name: "crm", Objects: objs, Tables: []snapshot.Table{{Name: "notes", Chunks: []snapshot.Chunk{chunkOf("n1", 50)}}}},
		{Name: "empty"},
	}}
	var keys []string
	plan := func(include, exclude []string) *plan {
		t.Helper()
		sel, err := m.Select(include, exclude)
		if err != nil {
			t.Fatal(err)
		}
		return newPlan(sel)
	}
	for _, j := range plan(nil, nil).chunkJobs() {
		keys = append(keys, j.chunk.Key)
	}
	if want := []string{"b1", "b2", "n1", "s1"}; !slices.Equal(keys, want) {
		t.Errorf("chunk order %v, want %v", keys, want)
	}
	if p := plan(nil, nil); len(p.schemas) != 3 || p.schemas[0].objects == nil {
		t.Errorf("a whole restore: %d databases, objects %v", len(p.schemas), p.schemas[0].objects)
	}
	p := plan(nil, []string{"shop.small"})
	if len(p.tables) != 2 || p.schemas[0].objects != nil || p.schemas[1].objects != nil {
		t.Errorf("without shop.small: %d tables, shop objects %v, crm objects %v",
			len(p.tables), p.schemas[0].objects, p.schemas[1].objects)
	}
}
