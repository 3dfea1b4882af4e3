package components

import (
	"slices"
	"testing"
)

func TestEventQueueDispatchesOncePerBatch(t *testing.T) {
	var q eventQueue
	dispatches := 0
	push := func(name string) {
		if q.push(sseEvent{Name: name}) {
			dispatches++
		}
	}
	push("a")
	push("b")
	push("c")
	if got := names(q.take()); dispatches != 1 || !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("first batch: %d dispatches, events %v; want 1 and a b c in order", dispatches, got)
	}
	if got := q.take(); len(got) != 0 {
		t.Fatalf("take after take: %v, want nothing", got)
	}
	push("d")
	if got := names(q.take()); dispatches != 2 || !slices.Equal(got, []string{"d"}) {
		t.Fatalf("second batch: %d dispatches, events %v; want 2 and d", dispatches, got)
	}
}

func names(evs []sseEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Name
	}
	return out
}
