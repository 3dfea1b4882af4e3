package server

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// TestPresenceIsCoalesced: a storm of joins produces a few presence events
// per room, not one per join, and the last one counts everybody.
func TestPresenceIsCoalesced(t *testing.T) {
	n := startNode(t, "", func(o *Options) { o.PresenceInterval = 500 * time.Millisecond })
	watcher := n.newUser(t, "watcher")
	obs := watcher.OpenStream(t, "/eventstream?room=lobby", "")
	if p := decode[tt.Presence](t, obs.MustNext(t, 5*time.Second, isEvent(tt.EventPresence)).Data); p.Count != 1 || p.Online[0] != "watcher" {
		t.Fatalf("presence on connect = %+v, want just the watcher", p)
	}
	const joins = 40
	for i := range joins {
		u := n.newUser(t, fmt.Sprintf("p%02d", i))
		u.OpenStream(t, "/eventstream?room=lobby", "")
	}
	events := 0
	for {
		p := decode[tt.Presence](t, obs.MustNext(t, 5*time.Second, isEvent(tt.EventPresence)).Data)
		events++
		if p.Count == joins+1 {
			if len(p.Online) != joins+1 || p.Room != "lobby" {
				t.Fatalf("final presence %+v", p)
			}
			break
		}
	}
	// 40 joins over a few hundred milliseconds: a handful of flushes.
	if events > joins/4 {
		t.Fatalf("%d presence events for %d joins: not coalesced", events, joins)
	}
	t.Logf("%d presence events for %d joins", events, joins)
}

// TestPresenceCountsPeopleNotTabs: two tabs of one person are one person;
// anonymous viewers are not listed.
func TestPresenceCountsPeopleNotTabs(t *testing.T) {
	n := startNode(t, "", func(o *Options) { o.PresenceInterval = 100 * time.Millisecond })
	alice := n.newUser(t, "alice")
	alice.OpenStream(t, "/eventstream?room=lobby", "")
	alice.OpenStream(t, "/eventstream?room=lobby", "")
	testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", "") // anonymous
	wait.For(t, 5*time.Second, "presence", func() bool { return n.srv.pres.snapshot("lobby").Count == 1 })
	if p := n.srv.pres.snapshot("lobby"); len(p.Online) != 1 || p.Online[0] != "alice" {
		t.Fatalf("presence %+v, want alice once", p)
	}
	resp := alice.Do(t, http.MethodGet, tt.PathRooms, "", "", nil)
	rooms := decode[tt.RoomList](t, mustRead(t, resp))
	if len(rooms.Rooms) != 1 || rooms.Rooms[0].Name != "lobby" || rooms.Rooms[0].Online != 1 {
		t.Fatalf("rooms = %+v", rooms)
	}
}
