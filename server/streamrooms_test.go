package server

import (
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// messageIDs reads n message events of s and returns their ids, failing
// on any resync on the way.
func messageIDs(t *testing.T, s *testclient.Stream, n int) []string {
	t.Helper()
	var ids []string
	for len(ids) < n {
		ev := s.MustNext(t, 5*time.Second, func(ev testclient.Event) bool {
			return ev.Event == tt.EventMessage || ev.Event == tt.EventResync
		})
		if ev.Event == tt.EventResync {
			t.Fatalf("resync %s after %v, want %d messages", ev.Data, ids, n)
		}
		ids = append(ids, ev.ID)
	}
	return ids
}

func idsOf(msgs ...tt.ChatMessage) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

// TestStreamOfSeveralRooms: one stream of rooms a and b gets the presence
// of both and the messages of both, in id order, and nothing of room c;
// one Last-Event-ID resumes both rooms, merged in id order; a room whose
// retained history no longer reaches back gets a resync of its own while
// the other is replayed; rooms of one stream count once each in presence.
func TestStreamOfSeveralRooms(t *testing.T) {
	const keep = 3
	n := startNode(t, "", func(o *Options) { o.History = history.New(keep) })
	alice := n.newUser(t, "alice")
	send := func(room string) tt.ChatMessage {
		return alice.Send(t, room, "in "+room, "")
	}
	a1, b1, c1 := send("a"), send("b"), send("c")
	// A stream opened without an id gets what is delivered after it
	// joined: wait until these three are, or one may arrive live.
	wait.For(t, 5*time.Second, "the index to hold the first messages", func() bool {
		return n.id(int(n.srv.opts.History.Last())) == c1.ID
	})

	s := alice.OpenStream(t, "/eventstream?room=b&room=a", "")
	var rooms []string
	for range 2 {
		ev := s.MustNext(t, 5*time.Second, isEvent(tt.EventPresence))
		p := decode[tt.Presence](t, ev.Data)
		if p.Count != 1 || !slices.Equal(p.Online, []string{"alice"}) {
			t.Errorf("presence %s, want alice alone", ev.Data)
		}
		rooms = append(rooms, p.Room)
	}
	if slices.Sort(rooms); !slices.Equal(rooms, []string{"a", "b"}) {
		t.Fatalf("presence of rooms %v, want a and b", rooms)
	}
	if got := alice.Rooms(t); got["a"] != 1 || got["b"] != 1 || got["c"] != 0 {
		t.Errorf("rooms online %v, want alice in a and b", got)
	}

	a2, _, b2 := send("a"), send("c"), send("b")
	if got, want := messageIDs(t, s, 2), idsOf(a2, b2); !slices.Equal(got, want) {
		t.Fatalf("live: ids %v, want %v (a and b in order, nothing of c)", got, want)
	}

	r := testclient.OpenStream(t, n.URL+"/eventstream?room=a&room=b", a1.ID)
	if got, want := messageIDs(t, r, 3), idsOf(b1, a2, b2); !slices.Equal(got, want) {
		t.Fatalf("resumed after %s: ids %v, want %v", a1.ID, got, want)
	}
	b3 := send("b")
	if got := messageIDs(t, r, 1); got[0] != b3.ID {
		t.Fatalf("after the replay got %v, want the live %s once", got, b3.ID)
	}

	// Room a moves past what it keeps; b still reaches back to b1.
	var lastA tt.ChatMessage
	for range keep {
		lastA = send("a")
	}
	wait.For(t, 5*time.Second, "the index to hold the last message", func() bool {
		return n.id(int(n.srv.opts.History.Last())) == lastA.ID
	})
	resyncs := testutil.ToFloat64(n.srv.metrics.resyncs)
	g := testclient.OpenStream(t, n.URL+"/eventstream?room=a&room=b", a1.ID)
	ev := g.MustNext(t, 5*time.Second, func(ev testclient.Event) bool {
		return ev.Event == tt.EventResync || ev.Event == tt.EventMessage
	})
	if ev.Event != tt.EventResync || decode[tt.Resync](t, ev.Data).Room != "a" {
		t.Fatalf("first event %s %s, want the resync of room a", ev.Event, ev.Data)
	}
	if bIDs, want := messageIDs(t, g, 3), idsOf(b1, b2, b3); !slices.Equal(bIDs, want) {
		t.Fatalf("room b after the resync of a: %v, want %v", bIDs, want)
	}
	// The room that resynced gets its new messages as the others do.
	if a9, got := send("a"), messageIDs(t, g, 1); got[0] != a9.ID {
		t.Fatalf("after the resync of a, got %v, want a's new message %s", got, a9.ID)
	}
	if got := testutil.ToFloat64(n.srv.metrics.resyncs) - resyncs; got != 1 {
		t.Errorf("%v resyncs counted, want 1", got)
	}

	// Once its last connection goes, a set's stream is forgotten by its
	// rooms too: no room keeps publishing to it.
	for _, st := range []*testclient.Stream{s, r, g} {
		st.Close()
	}
	wait.For(t, 5*time.Second, "the streams of several rooms gone from the hub", func() bool {
		n.srv.hub.mu.Lock()
		defer n.srv.hub.mu.Unlock()
		return len(n.srv.hub.shared) == 0 && n.srv.hub.feeds["a,b"] == nil
	})
}
