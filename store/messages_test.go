package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/wait"
)

// TestMessagesReadsARangeOfOneRoom: Messages returns the room's messages
// in the range, ascending, at most max, without the other rooms' in
// between or the entries that are not messages, and leaves no consumer
// behind.
func TestMessagesReadsARangeOfOneRoom(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	var a []uint64 // seqs of room a
	for i := range 30 {
		room := "a"
		if i%3 != 0 {
			room = "b"
		}
		seq := publish(t, s, room, fmt.Sprint("m", i), "")
		if room == "a" {
			a = append(a, seq)
		}
	}
	// An entry of a that is not a message, published by someone else.
	if _, err := s.js.Publish(t.Context(), "chat.a", []byte(`{"room":"a"}`)); err != nil {
		t.Fatal(err)
	}
	last := publish(t, s, "a", "last", "")
	a = append(a, last)

	tests := []struct {
		name     string
		from, to uint64
		max      int
		want     []uint64
	}{
		{"all", 0, last, 100, a},
		{"a middle range", a[2], a[5], 100, a[2:6]},
		{"capped", a[2], last, 3, a[2:5]},
		{"from between", a[2] + 1, a[4], 100, a[3:5]},
		{"past the invalid entry", a[9], last, 100, a[9:]},
		{"nothing in range", a[1] + 1, a[2] - 1, 100, nil},
		{"empty range", a[3], a[2], 100, nil},
		{"beyond the log", last + 1, last + 10, 100, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			got, err := s.Messages(ctx, "a", tc.from, tc.to, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Messages(a, %d, %d, %d) = %d messages, want %d", tc.from, tc.to, tc.max, len(got), len(tc.want))
			}
			for i, m := range got {
				if m.ID != (tt.MessageID{Log: s.LogID(), Seq: uint64(tc.want[i])}).String() || m.Room != "a" {
					t.Fatalf("message %d = %+v, want id %d of room a", i, m, tc.want[i])
				}
			}
		})
	}
	if _, err := s.Messages(t.Context(), "Not A Room", 1, 2, 5); err == nil {
		t.Error("an invalid room was read")
	}
	// Each read deletes its consumer as it returns; a delete that times out
	// on a loaded machine leaves it to JetStream's inactivity threshold
	// (5 s), so none may outlive that.
	wait.For(t, 15*time.Second, "no consumer left behind", func() bool {
		n := 0
		for range s.stream.ListConsumers(t.Context()).Info() {
			n++
		}
		return n == 0
	})
}
