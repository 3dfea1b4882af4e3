package node

import (
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// TestStoreByteBoundDiscardsOldestAndResumesGetResync: a node whose chat
// log is bounded to 1 MiB. Room "early" gets a few messages, then room
// "later" more than the bound: the log discards the oldest messages, of
// either room. The room list drops "early", and a client resuming into
// the discarded range of either room gets resync, not a replay that skips.
func TestStoreByteBoundDiscardsOldestAndResumesGetResync(t *testing.T) {
	base := startNode(t, func(c *config.Config) { c.MaxStoreBytes = config.MinMaxStoreBytes })
	alice := testclient.NewSession(t, base, "alice", curl...)
	text := strings.Repeat("z", tt.MaxTextRunes)
	early := alice.Send(t, "early", text, "")
	alice.Send(t, "early", text, "")
	var later []tt.ChatMessage
	for range 700 { // 700 × ~2.2 KB stored: well past 1 MiB
		later = append(later, alice.Send(t, "later", text, ""))
	}
	wait.For(t, 15*time.Second, "room early gone from the room list", func() bool {
		_, ok := alice.Rooms(t)["early"]
		return !ok
	})
	for _, c := range []struct{ room, after string }{
		{"early", early.ID},
		{"later", later[0].ID},
	} {
		s := testclient.OpenStream(t, base+tt.PathEventStream+"?room="+c.room, c.after)
		first := s.MustNext(t, 10*time.Second, func(e testclient.Event) bool {
			return e.Event == tt.EventResync || e.Event == tt.EventMessage
		})
		if first.Event != tt.EventResync {
			t.Fatalf("resuming %s after %s (discarded since): first %s %.80s, want resync", c.room, c.after, first.Event, first.Data)
		}
	}
	// After what is retained: the rest, no resync.
	s := testclient.OpenStream(t, base+tt.PathEventStream+"?room=later", later[len(later)-3].ID)
	for i := range 2 {
		ev := s.MustNext(t, 10*time.Second, func(e testclient.Event) bool {
			return e.Event == tt.EventResync || e.Event == tt.EventMessage
		})
		if want := later[len(later)-2+i].ID; ev.Event != tt.EventMessage || ev.ID != want {
			t.Fatalf("resuming after a retained message: %s %s, want message %s", ev.Event, ev.ID, want)
		}
	}
}
