package history

import (
	"strings"
	"testing"

	tt "tickertalk/app"
)

func entry(seq uint64, size int) Entry {
	return Entry{Seq: seq, Msg: tt.ChatMessage{Text: strings.Repeat("t", size)}, JSON: []byte(strings.Repeat("j", size))}
}

// TestCacheStaysWithinItsBudget: entries beyond the budget go, least
// recently used first; one larger than the whole budget is not kept.
func TestCacheStaysWithinItsBudget(t *testing.T) {
	one := cost(new(entry(0, 1000)))
	c := newCache(3 * one)
	for seq := uint64(1); seq <= 3; seq++ {
		c.put(entry(seq, 1000))
	}
	if _, ok := c.get(1); !ok { // 1 is now the most recently used
		t.Fatal("entry 1 missing with room for 3")
	}
	c.put(entry(4, 1000))
	for _, tc := range []struct {
		seq  uint64
		want bool
	}{{1, true}, {2, false}, {3, true}, {4, true}} {
		if _, ok := c.get(tc.seq); ok != tc.want {
			t.Errorf("get(%d) = %v, want %v", tc.seq, ok, tc.want)
		}
	}
	c.put(entry(5, 4000))
	if _, ok := c.get(5); ok {
		t.Error("an entry larger than the budget was kept")
	}
	if got := c.bytes(); got > 3*one {
		t.Errorf("cache holds %d bytes, budget %d", got, 3*one)
	}
	c.remove(1)
	if _, ok := c.get(1); ok || c.bytes() != 2*one {
		t.Errorf("after remove: %d bytes, want %d", c.bytes(), 2*one)
	}
}

func TestPage(t *testing.T) {
	x := New(3)
	for seq := uint64(1); seq <= 8; seq++ {
		add(t, x, seq, "a", "n", "")
	}
	// a keeps 6, 7, 8 and is full.
	for _, tc := range []struct {
		after uint64
		max   int
		want  []uint64
		gap   bool
	}{
		{5, 2, []uint64{6, 7}, false},
		{5, 10, []uint64{6, 7, 8}, false},
		{6, 1, []uint64{7}, false},
		{8, 5, nil, false},
		{5, 0, nil, false},
		{4, 2, nil, true},
		{9, 2, nil, true},
	} {
		got, err := x.Page("a", tc.after, tc.max)
		if (err == ErrGap) != tc.gap || len(got) != len(tc.want) {
			t.Errorf("Page(a, %d, %d) = %v, %v; want %v (gap %v)", tc.after, tc.max, seqs(got), err, tc.want, tc.gap)
			continue
		}
		for i := range got {
			if got[i].Seq != tc.want[i] {
				t.Errorf("Page(a, %d, %d) = %v, want %v", tc.after, tc.max, seqs(got), tc.want)
			}
		}
	}
}
