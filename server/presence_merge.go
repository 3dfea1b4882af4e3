package server

import (
	"slices"
	"strings"
	"sync"
	"time"

	tt "tickertalk/app"
)

// maxPeerEntries bounds the (room, node) entries kept from the bus: past it,
// announcements of new pairs are ignored (existing ones still update), so a
// flood of rooms from a misbehaving peer cannot grow memory without bound.
const maxPeerEntries = 10_000

// peerSnapshot is what another node last announced for one room: its own
// people (sorted, capped at tt.PresenceListCap) and their full count.
type peerSnapshot struct {
	node    string
	online  []string
	count   int
	expires time.Time
}

// peerTable keeps the latest snapshot of each (room, node) pair announced
// by other nodes, until the node announces the room empty or its entry
// expires (the node stopped re-announcing: it is gone). It is safe for
// concurrent use: the bus subscription writes, the flush and the readers of
// presence read.
//
// A node that beats (see [announcement]) is also dropped whole, in every
// room, when its promised next message is overdue.
type peerTable struct {
	mu      sync.Mutex
	rooms   map[string]map[string]*peerSnapshot // room -> node -> snapshot
	entries int
	dirty   map[string]struct{}
	until   map[string]time.Time // node -> when it is gone unless heard from
}

func newPeerTable() *peerTable {
	return &peerTable{
		rooms: make(map[string]map[string]*peerSnapshot), dirty: make(map[string]struct{}),
		until: make(map[string]time.Time),
	}
}

// alive records that node promises another message by until. Past
// maxPeerEntries nodes, new ones are not tracked (their entries still
// expire by their own TTL).
func (t *peerTable) alive(node string, until time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.until[node]; ok || len(t.until) < maxPeerEntries {
		t.until[node] = until
	}
}

// apply records s for room, replacing the node's previous snapshot; an
// empty snapshot (count 0) removes it. It reports false when the entry was
// refused because the table is full. A snapshot that changes the node's
// people marks the room dirty; a mere refresh only extends the expiry.
func (t *peerTable) apply(room string, s peerSnapshot) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	nodes := t.rooms[room]
	old := nodes[s.node]
	if s.count == 0 {
		if old != nil {
			t.removeLocked(room, s.node)
		}
		return true
	}
	if old == nil {
		if t.entries >= maxPeerEntries {
			return false
		}
		if nodes == nil {
			nodes = make(map[string]*peerSnapshot)
			t.rooms[room] = nodes
		}
		t.entries++
		t.dirty[room] = struct{}{}
	} else if old.count != s.count || !slices.Equal(old.online, s.online) {
		t.dirty[room] = struct{}{}
	}
	nodes[s.node] = &s
	return true
}

func (t *peerTable) removeLocked(room, node string) {
	nodes := t.rooms[room]
	delete(nodes, node)
	t.entries--
	if len(nodes) == 0 {
		delete(t.rooms, room)
	}
	t.dirty[room] = struct{}{}
}

// forget drops every entry of node, in every room.
func (t *peerTable) forget(node string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.forgetLocked(node)
}

func (t *peerTable) forgetLocked(node string) {
	delete(t.until, node)
	for room, nodes := range t.rooms {
		if _, ok := nodes[node]; ok {
			t.removeLocked(room, node)
		}
	}
}

// expire drops every entry of the nodes overdue at now, and every entry
// whose expiry is not after now.
func (t *peerTable) expire(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for node, until := range t.until {
		if !until.After(now) {
			t.forgetLocked(node)
		}
	}
	for room, nodes := range t.rooms {
		for node, s := range nodes {
			if !s.expires.After(now) {
				t.removeLocked(room, node)
			}
		}
	}
}

// takeDirty returns the rooms whose peer entries changed since the last
// call, and clears the marks.
func (t *peerTable) takeDirty() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.dirty))
	for room := range t.dirty {
		out = append(out, room)
		delete(t.dirty, room)
	}
	return out
}

// room returns copies of the snapshots of room, ordered by node id.
func (t *peerTable) room(room string) []peerSnapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	nodes := t.rooms[room]
	if len(nodes) == 0 {
		return nil
	}
	out := make([]peerSnapshot, 0, len(nodes))
	for _, s := range nodes {
		out = append(out, *s) // online is never mutated after apply
	}
	slices.SortFunc(out, func(a, b peerSnapshot) int { return strings.Compare(a.node, b.node) })
	return out
}

// roomNames returns the rooms with at least one peer entry.
func (t *peerTable) roomNames() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.rooms))
	for room := range t.rooms {
		out = append(out, room)
	}
	return out
}

// mergePresence is the presence of room over the whole cluster: the union
// of this node's people (local, complete) and the peers' lists, each person
// once (folded with tt.NickKey; the first spelling met, local first, wins).
// Count is exact while every peer's list is complete; a peer with more
// people than tt.PresenceListCap adds the ones it did not list, who may
// then be counted twice if also connected elsewhere. Online is sorted and
// capped at tt.PresenceListCap.
func mergePresence(room string, local []string, peers []peerSnapshot) tt.Presence {
	out := tt.Presence{Room: room, Online: []string{}}
	seen := make(map[string]struct{}, len(local))
	add := func(nick string) {
		k := tt.NickKey(nick)
		if _, ok := seen[k]; ok {
			return
		}
		seen[k] = struct{}{}
		out.Online = append(out.Online, nick)
	}
	for _, n := range local {
		add(n)
	}
	hidden := 0
	for _, p := range peers {
		for _, n := range p.online {
			add(n)
		}
		hidden += max(p.count-len(p.online), 0)
	}
	slices.Sort(out.Online)
	out.Count = len(out.Online) + hidden
	if len(out.Online) > tt.PresenceListCap {
		out.Online = out.Online[:tt.PresenceListCap]
	}
	return out
}

// samePresence reports whether two presence events would show the same.
func samePresence(a, b tt.Presence) bool {
	return a.Room == b.Room && a.Count == b.Count && slices.Equal(a.Online, b.Online)
}
