package node

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/internal/testclient"
)

// TestJoiningNodeCountsEntriesThatAreNotMessages: something else on the
// NATS server publishes an invalid entry on a room's subject. It is never
// shown, but it takes one of the room's places in the log, so the room's
// older messages go sooner. A node that fills its index from that log
// must still see the gap: a client that missed a message no longer in the
// log gets resync, not a replay without it.
func TestJoiningNodeCountsEntriesThatAreNotMessages(t *testing.T) {
	const room, places = "lobby", 3
	urls := make(chan string, 1)
	a := startClusterNode(t, func(c *config.Config) { c.NATSListen, c.History = "127.0.0.1:0", places },
		OnNATSListening(func(u string) { urls <- u }))
	natsURL := <-urls

	alice := testclient.NewSession(t, a.URL, "alice", curl...)
	seen := alice.Send(t, room, "seen", "")
	alice.Send(t, room, "missed", "")
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := js.Publish(ctx, "chat."+room, []byte(`{"room":"lobby","text":"no nick"}`)); err != nil {
		t.Fatal(err)
	}
	// Two more messages: the log keeps the last 3 entries of the room, the
	// invalid one among them, and "missed" is gone.
	alice.Send(t, room, "after 1", "")
	last := alice.Send(t, room, "after 2", "")

	b := startClusterNode(t, func(c *config.Config) { c.NATSURL, c.History = natsURL, places })
	s := testclient.OpenStream(t, b.URL+tt.PathEventStream+"?room="+room, seen.ID)
	first := s.MustNext(t, 10*time.Second, func(e testclient.Event) bool {
		return e.Event == tt.EventResync || e.Event == tt.EventMessage
	})
	if first.Event != tt.EventResync {
		t.Fatalf("resuming after %s (the next message, no longer in the log, was missed): first %s %s, want resync",
			seen.ID, first.Event, first.Data)
	}
	// A client that saw everything up to the last message is not told so.
	r := testclient.OpenStream(t, b.URL+tt.PathEventStream+"?room="+room, last.ID)
	r.MustNext(t, 10*time.Second, func(e testclient.Event) bool { return e.Event == tt.EventPresence })
	for _, e := range r.Events() {
		if e.Event == tt.EventResync {
			t.Fatalf("resuming after the last message %s: resync", last.ID)
		}
	}
}
