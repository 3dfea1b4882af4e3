package server

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

func TestDecodeAnnouncement(t *testing.T) {
	names := func(n int, nick string) string {
		q := make([]string, n)
		for i := range q {
			q[i] = fmt.Sprintf(`"%s%d"`, nick, i)
		}
		return "[" + strings.Join(q, ",") + "]"
	}
	tests := []struct {
		name string
		data string
		ok   bool
	}{
		{"valid", `{"node":"n1","room":"lobby","online":["bob","alice"],"count":2,"ttlMs":1000}`, true},
		{"withdrawal", `{"node":"n1","room":"lobby","online":[],"count":0,"ttlMs":1000}`, true},
		{"hello", `{"node":"n1","room":"lobby","online":[],"count":0,"ttlMs":1000,"hello":true}`, true},
		{"bye", `{"node":"n1","room":"lobby","online":[],"count":0,"ttlMs":1000,"bye":true}`, true},
		{"hello with people", `{"node":"n1","room":"lobby","online":["bob"],"count":1,"ttlMs":1000,"hello":true}`, false},
		{"bye with people", `{"node":"n1","room":"lobby","online":["bob"],"count":1,"ttlMs":1000,"bye":true}`, false},
		{"hello and bye", `{"node":"n1","room":"lobby","online":[],"count":0,"ttlMs":1000,"hello":true,"bye":true}`, false},
		{"capped list, larger count", `{"node":"n1","room":"lobby","online":` + names(tt.PresenceListCap, "p") + `,"count":5000,"ttlMs":1000}`, true},
		{"not json", `nope`, false},
		{"no node", `{"room":"lobby","online":[],"count":0,"ttlMs":1000}`, false},
		{"bad node id", `{"node":"a.b","room":"lobby","online":[],"count":0,"ttlMs":1000}`, false},
		{"long node id", `{"node":"` + strings.Repeat("n", maxNodeIDLen+1) + `","room":"lobby","online":[],"count":0,"ttlMs":1000}`, false},
		{"bad room", `{"node":"n1","room":"Lobby","online":[],"count":0,"ttlMs":1000}`, false},
		{"bad nick", `{"node":"n1","room":"lobby","online":["a b"],"count":1,"ttlMs":1000}`, false},
		{"count below the list", `{"node":"n1","room":"lobby","online":["a","b"],"count":1,"ttlMs":1000}`, false},
		{"negative count", `{"node":"n1","room":"lobby","online":[],"count":-1,"ttlMs":1000}`, false},
		{"list over the cap", `{"node":"n1","room":"lobby","online":` + names(tt.PresenceListCap+1, "p") + `,"count":500,"ttlMs":1000}`, false},
		{"no ttl", `{"node":"n1","room":"lobby","online":[],"count":0}`, false},
		{"ttl too long", `{"node":"n1","room":"lobby","online":[],"count":0,"ttlMs":86400000}`, false},
		{"alive", `{"node":"n1","room":"lobby","online":[],"count":0,"ttlMs":1000,"aliveMs":3000}`, true},
		{"alive too long", `{"node":"n1","room":"lobby","online":[],"count":0,"ttlMs":1000,"aliveMs":86400000}`, false},
		{"alive negative", `{"node":"n1","room":"lobby","online":[],"count":0,"ttlMs":1000,"aliveMs":-1}`, false},
		{"beat", `{"node":"n1","room":"","online":null,"count":0,"ttlMs":1000,"aliveMs":3000,"beat":true}`, true},
		{"beat without alive", `{"node":"n1","room":"","online":null,"count":0,"ttlMs":1000,"beat":true}`, false},
		{"beat with a room", `{"node":"n1","room":"lobby","online":[],"count":0,"ttlMs":1000,"aliveMs":3000,"beat":true}`, false},
		{"beat with people", `{"node":"n1","room":"","online":["bob"],"count":1,"ttlMs":1000,"aliveMs":3000,"beat":true}`, false},
		{"beat and hello", `{"node":"n1","room":"","online":null,"count":0,"ttlMs":1000,"aliveMs":3000,"beat":true,"hello":true}`, false},
		{"beat of no node", `{"room":"","online":null,"count":0,"ttlMs":1000,"aliveMs":3000,"beat":true}`, false},
		{"oversized", `{"node":"n1","room":"lobby","online":[],"count":0,"ttlMs":1000,"x":"` + strings.Repeat("x", maxAnnouncementBytes) + `"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := decodeAnnouncement([]byte(tc.data))
			if (err == nil) != tc.ok {
				t.Fatalf("decode = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, errBadAnnouncement) {
				t.Fatalf("error %v does not match errBadAnnouncement", err)
			}
			if err == nil && !slicesSorted(a.Online) {
				t.Fatalf("online %v not sorted", a.Online)
			}
		})
	}
}

func slicesSorted(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] > s[i] {
			return false
		}
	}
	return true
}

// memBus is an in-memory PresenceBus: every publish reaches every
// subscriber synchronously.
type memBus struct {
	mu   sync.Mutex
	subs map[int]func([]byte)
	next int
}

func (b *memBus) PublishPresence(_ string, data []byte) error {
	b.mu.Lock()
	fns := make([]func([]byte), 0, len(b.subs))
	for _, fn := range b.subs {
		fns = append(fns, fn)
	}
	b.mu.Unlock()
	for _, fn := range fns {
		fn(append([]byte(nil), data...))
	}
	return nil
}

func (b *memBus) SubscribePresence(fn func([]byte)) (func(), error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = make(map[int]func([]byte))
	}
	id := b.next
	b.next++
	b.subs[id] = fn
	return func() { b.mu.Lock(); delete(b.subs, id); b.mu.Unlock() }, nil
}

// TestClusterPresenceOverABus: two servers on one bus each show both
// people, in the stream and in /api/rooms; junk on the bus changes nothing;
// when one node stops announcing, its people expire from the other.
func TestClusterPresenceOverABus(t *testing.T) {
	bus := &memBus{}
	fast := func(id string) func(*Options) {
		return func(o *Options) {
			o.Presence, o.NodeID = bus, id
			o.PresenceInterval, o.PresenceHeartbeat = 50*time.Millisecond, 100*time.Millisecond
		}
	}
	a := startNode(t, "", fast("node-a"))
	b := startNode(t, "", fast("node-b"))
	alice, bob := a.newUser(t, "alice"), b.newUser(t, "bob")
	sa := alice.OpenStream(t, "/eventstream?room=lobby", "")
	bob.OpenStream(t, "/eventstream?room=lobby", "")
	waitPresence(t, sa, "alice,bob")

	for _, junk := range []string{`{}`, `nope`, `{"node":"node-c","room":"lobby","online":["x y"],"count":1,"ttlMs":1000}`,
		`{"node":"node-a","room":"lobby","online":["ghost"],"count":1,"ttlMs":1000}`} {
		_ = bus.PublishPresence("lobby", []byte(junk))
	}
	if p := a.srv.pres.snapshot("lobby"); p.Count != 2 {
		t.Fatalf("after junk on the bus: %+v", p)
	}
	resp := alice.Do(t, "GET", tt.PathRooms, "", "", nil)
	if rooms := decode[tt.RoomList](t, mustRead(t, resp)); len(rooms.Rooms) != 1 || rooms.Rooms[0].Online != 2 {
		t.Fatalf("rooms on A = %+v, want lobby with 2 online", rooms)
	}

	b.Close() // stops announcing without a goodbye: bob expires from A
	waitPresence(t, sa, "alice")
}

// waitPresence reads presence events until one lists exactly want.
func waitPresence(t *testing.T, s *testclient.Stream, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		p := decode[tt.Presence](t, s.MustNext(t, time.Until(deadline), isEvent(tt.EventPresence)).Data)
		if strings.Join(p.Online, ",") == want && p.Count == len(p.Online) {
			return
		}
	}
	t.Fatalf("no presence event listing %s", want)
}
