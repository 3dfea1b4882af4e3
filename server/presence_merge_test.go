package server

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
)

func TestMergePresence(t *testing.T) {
	many := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s%03d", prefix, i)
		}
		return out
	}
	tests := []struct {
		name       string
		local      []string
		peers      []peerSnapshot
		wantOnline []string
		wantCount  int
	}{
		{"nobody", nil, nil, []string{}, 0},
		{"local only", []string{"alice"}, nil, []string{"alice"}, 1},
		{"union of nodes", []string{"alice"}, []peerSnapshot{{node: "b", online: []string{"bob"}, count: 1}}, []string{"alice", "bob"}, 2},
		{"remote only", nil, []peerSnapshot{{node: "b", online: []string{"bob"}, count: 1}, {node: "c", online: []string{"carol"}, count: 1}}, []string{"bob", "carol"}, 2},
		{"one person on two nodes counts once", []string{"alice"}, []peerSnapshot{{node: "b", online: []string{"alice", "bob"}, count: 2}}, []string{"alice", "bob"}, 2},
		{"folded with NickKey, local spelling wins", []string{"Alice"}, []peerSnapshot{{node: "b", online: []string{"alice"}, count: 1}}, []string{"Alice"}, 1},
		{"duplicates across three nodes", nil, []peerSnapshot{
			{node: "a", online: []string{"bob", "zoë"}, count: 2},
			{node: "b", online: []string{"BOB", "Zoë"}, count: 2},
			{node: "c", online: []string{"bob"}, count: 1},
		}, []string{"bob", "zoë"}, 2},
		{"a capped peer adds the people it did not list", []string{"alice"}, []peerSnapshot{{node: "b", online: many("p", tt.PresenceListCap), count: 250}}, append([]string{"alice"}, many("p", tt.PresenceListCap-1)...), 251},
		{"the merged list is capped, the count is not", many("l", 80), []peerSnapshot{{node: "b", online: many("r", 80), count: 80}}, append(many("l", 80), many("r", 20)...), 160},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mergePresence("lobby", tc.local, tc.peers)
			if got.Room != "lobby" || got.Count != tc.wantCount || !slices.Equal(got.Online, tc.wantOnline) {
				t.Fatalf("merge = room %q count %d online %v;\nwant count %d online %v", got.Room, got.Count, got.Online, tc.wantCount, tc.wantOnline)
			}
			if got.Online == nil {
				t.Fatal("Online is nil: it must encode as []")
			}
		})
	}
}

// TestPeerTable: entries replace per (room, node), an empty snapshot
// removes one, a goodbye drops a node from every room, expiry drops nodes
// that stopped announcing, and only changes mark a room dirty.
func TestPeerTable(t *testing.T) {
	t0 := time.Unix(1000, 0)
	snap := func(node string, exp time.Duration, nicks ...string) peerSnapshot {
		return peerSnapshot{node: node, online: nicks, count: len(nicks), expires: t0.Add(exp)}
	}
	type step struct {
		room   string
		apply  *peerSnapshot
		forget string        // when apply is nil: forget this node
		alive  string        // when apply is nil: this node beats, due by t0+until
		until  time.Duration //
		expire time.Duration // when apply is nil and forget empty: expire at t0+expire
		dirty  []string      // takeDirty after the step
		lobby  []string      // nodes listed in lobby after the step
	}
	p := func(s peerSnapshot) *peerSnapshot { return &s }
	tests := []struct {
		name  string
		steps []step
	}{
		{"add, refresh, change", []step{
			{room: "lobby", apply: p(snap("b", 3*time.Second, "bob")), dirty: []string{"lobby"}, lobby: []string{"b"}},
			{room: "lobby", apply: p(snap("b", 6*time.Second, "bob")), dirty: []string{}, lobby: []string{"b"}},
			{room: "lobby", apply: p(snap("b", 6*time.Second, "bob", "bea")), dirty: []string{"lobby"}, lobby: []string{"b"}},
			{room: "lobby", apply: p(snap("c", 6*time.Second, "carol")), dirty: []string{"lobby"}, lobby: []string{"b", "c"}},
		}},
		{"empty snapshot removes the node", []step{
			{room: "lobby", apply: p(snap("b", time.Second, "bob")), dirty: []string{"lobby"}, lobby: []string{"b"}},
			{room: "lobby", apply: p(snap("c", time.Second, "carol")), dirty: []string{"lobby"}, lobby: []string{"b", "c"}},
			{room: "lobby", apply: p(snap("b", time.Second)), dirty: []string{"lobby"}, lobby: []string{"c"}},
			{room: "lobby", apply: p(snap("zz", time.Second)), dirty: []string{}, lobby: []string{"c"}},
		}},
		{"expiry", []step{
			{room: "lobby", apply: p(snap("b", time.Second, "bob")), dirty: []string{"lobby"}, lobby: []string{"b"}},
			{room: "lobby", apply: p(snap("c", 3*time.Second, "carol")), dirty: []string{"lobby"}, lobby: []string{"b", "c"}},
			{room: "other", apply: p(snap("b", time.Second, "bob")), dirty: []string{"other"}, lobby: []string{"b", "c"}},
			{expire: 999 * time.Millisecond, dirty: []string{}, lobby: []string{"b", "c"}},
			{expire: time.Second, dirty: []string{"lobby", "other"}, lobby: []string{"c"}},
			{expire: 5 * time.Second, dirty: []string{"lobby"}, lobby: nil},
		}},
		{"a node that says goodbye leaves every room at once", []step{
			{room: "lobby", apply: p(snap("b", time.Hour, "bob")), dirty: []string{"lobby"}, lobby: []string{"b"}},
			{room: "other", apply: p(snap("b", time.Hour, "bob")), dirty: []string{"other"}, lobby: []string{"b"}},
			{room: "lobby", apply: p(snap("c", time.Hour, "carol")), dirty: []string{"lobby"}, lobby: []string{"b", "c"}},
			{forget: "b", dirty: []string{"lobby", "other"}, lobby: []string{"c"}},
			{forget: "b", dirty: []string{}, lobby: []string{"c"}},
		}},
		{"a node that beats leaves every room at once when overdue", []step{
			{room: "lobby", apply: p(snap("b", time.Hour, "bob")), dirty: []string{"lobby"}, lobby: []string{"b"}},
			{room: "other", apply: p(snap("b", time.Hour, "bob")), dirty: []string{"other"}, lobby: []string{"b"}},
			{room: "lobby", apply: p(snap("c", time.Hour, "carol")), dirty: []string{"lobby"}, lobby: []string{"b", "c"}},
			{alive: "b", until: 3 * time.Second, dirty: []string{}, lobby: []string{"b", "c"}},
			{alive: "b", until: 4 * time.Second, dirty: []string{}, lobby: []string{"b", "c"}},
			{expire: 3 * time.Second, dirty: []string{}, lobby: []string{"b", "c"}},
			// c never beat (an older node): its entries keep their TTL.
			{expire: 4 * time.Second, dirty: []string{"lobby", "other"}, lobby: []string{"c"}},
			{room: "lobby", apply: p(snap("b", time.Hour, "bob")), dirty: []string{"lobby"}, lobby: []string{"b", "c"}},
			{expire: 5 * time.Second, dirty: []string{}, lobby: []string{"b", "c"}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := newPeerTable()
			for i, st := range tc.steps {
				if st.apply != nil {
					if !tab.apply(st.room, *st.apply) {
						t.Fatalf("step %d: apply refused", i)
					}
				} else if st.forget != "" {
					tab.forget(st.forget)
				} else if st.alive != "" {
					tab.alive(st.alive, t0.Add(st.until))
				} else {
					tab.expire(t0.Add(st.expire))
				}
				dirty := tab.takeDirty()
				slices.Sort(dirty)
				if !slices.Equal(dirty, st.dirty) {
					t.Fatalf("step %d: dirty %v, want %v", i, dirty, st.dirty)
				}
				var nodes []string
				for _, s := range tab.room("lobby") {
					nodes = append(nodes, s.node)
				}
				if !slices.Equal(nodes, st.lobby) {
					t.Fatalf("step %d: lobby nodes %v, want %v", i, nodes, st.lobby)
				}
			}
		})
	}
}

func TestPeerTableIsBounded(t *testing.T) {
	tab := newPeerTable()
	exp := time.Now().Add(time.Hour)
	for i := range maxPeerEntries {
		if !tab.apply(fmt.Sprintf("r%d", i), peerSnapshot{node: "b", online: []string{"bob"}, count: 1, expires: exp}) {
			t.Fatalf("entry %d refused below the bound", i)
		}
	}
	if tab.apply("one-more", peerSnapshot{node: "b", online: []string{"bob"}, count: 1, expires: exp}) {
		t.Fatal("an entry past the bound was accepted")
	}
	if !tab.apply("r0", peerSnapshot{node: "b", online: []string{"bob", "bea"}, count: 2, expires: exp}) {
		t.Fatal("an update of an existing entry was refused at the bound")
	}
	if !tab.apply("r1", peerSnapshot{node: "b", count: 0}) || !tab.apply("one-more", peerSnapshot{node: "b", online: []string{"bob"}, count: 1, expires: exp}) {
		t.Fatal("a removal did not make room")
	}
}

// TestPresenceFlush: one event per room per flush, only when the merged
// result changed; local changes are announced, and every occupied room on
// each heartbeat.
func TestPresenceFlush(t *testing.T) {
	t0 := time.Unix(1000, 0)
	p := newPresence(true, 10*time.Second)
	names := func(ps []tt.Presence) string {
		var out []string
		for _, x := range ps {
			out = append(out, fmt.Sprintf("%s:%d:%s", x.Room, x.Count, strings.Join(x.Online, ",")))
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	check := func(step string, now time.Time, wantChanged, wantAnnounce string) {
		t.Helper()
		changed, announce := p.flush(now, time.Hour)
		if got := names(changed); got != wantChanged {
			t.Errorf("%s: changed %q, want %q", step, got, wantChanged)
		}
		if got := names(announce); got != wantAnnounce {
			t.Errorf("%s: announce %q, want %q", step, got, wantAnnounce)
		}
	}
	p.join("lobby", "alice")
	p.join("lobby", "")
	p.join("dev", "dave")
	p.leave("dev", "dave")
	// dev changed locally and is announced (empty: a withdrawal), but its
	// merged presence is as it was: no event.
	check("first flush: heartbeat", t0, "lobby:1:alice", "dev:0: lobby:1:alice")
	check("nothing happened", t0.Add(time.Second), "", "")

	p.peers.apply("lobby", peerSnapshot{node: "b", online: []string{"ALICE"}, count: 1, expires: t0.Add(5 * time.Second)})
	check("alice also on b: same merged list", t0.Add(2*time.Second), "", "")

	p.peers.apply("lobby", peerSnapshot{node: "b", online: []string{"ALICE", "bob"}, count: 2, expires: t0.Add(5 * time.Second)})
	p.join("lobby", "alice") // second tab: no change
	check("bob on b", t0.Add(3*time.Second), "lobby:2:alice,bob", "")

	check("b expired", t0.Add(6*time.Second), "lobby:1:alice", "")

	p.leave("lobby", "alice")
	p.leave("lobby", "alice")
	check("alice left", t0.Add(7*time.Second), "lobby:0:", "lobby:0:")

	p.join("dev", "dave")
	check("dave joined", t0.Add(8*time.Second), "dev:1:dave", "dev:1:dave")
	check("heartbeat", t0.Add(11*time.Second), "", "dev:1:dave")
	p.announceAll.Store(true)
	check("hello", t0.Add(12*time.Second), "", "dev:1:dave")

	single := newPresence(false, time.Second)
	single.join("lobby", "alice")
	if changed, announce := single.flush(t0, time.Hour); len(changed) != 1 || announce != nil {
		t.Fatalf("single node flush = %v, %v", changed, announce)
	}
}

// TestPresenceFlushAfterAFreeze: a flush that comes more than the alive
// time after the previous one (the process was stopped, and the other
// nodes dropped its people) announces every occupied room at once, not
// at the next heartbeat.
func TestPresenceFlushAfterAFreeze(t *testing.T) {
	t0 := time.Unix(1000, 0)
	p := newPresence(true, time.Hour)
	p.join("lobby", "alice")
	const alive = 3 * time.Second
	for i, step := range []struct {
		at       time.Duration
		announce int
	}{{0, 1}, {time.Second, 0}, {2 * time.Second, 0}, {2*time.Second + alive + time.Millisecond, 1}, {6 * time.Second, 0}} {
		if _, announce := p.flush(t0.Add(step.at), alive); len(announce) != step.announce {
			t.Errorf("flush %d at +%v: %d announcements, want %d", i, step.at, len(announce), step.announce)
		}
	}
}
