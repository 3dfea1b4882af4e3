package server

import (
	"sync/atomic"
	"time"

	tt "tickertalk/app"
)

// presence is who is online, as the rest of the server sees it: this
// node's connections (local) merged with what the other nodes announce on
// the presence bus (peers). Without a bus, peers stay empty and presence is
// this node's alone.
//
// join, leave, snapshot, counts and the peers table are safe for concurrent
// use; flush must be called from one goroutine at a time (Server.Run),
// which owns sent and nextBeat.
type presence struct {
	local *localPresence
	peers *peerTable

	// clustered makes flush return this node's snapshots to announce,
	// every heartbeat and on every local change.
	clustered bool
	heartbeat time.Duration
	// announceAll asks the next flush to announce every occupied room now
	// (a node joined the cluster and said hello).
	announceAll atomic.Bool

	sent      map[string]tt.Presence // last merged presence sent per room
	nextBeat  time.Time
	lastFlush time.Time
}

func newPresence(clustered bool, heartbeat time.Duration) *presence {
	return &presence{
		local: newLocalPresence(), peers: newPeerTable(),
		clustered: clustered, heartbeat: heartbeat,
		sent: make(map[string]tt.Presence),
	}
}

// join records a connection of nick (empty when not signed in) to room.
func (p *presence) join(room, nick string) { p.local.join(room, nick) }

// leave undoes one join.
func (p *presence) leave(room, nick string) { p.local.leave(room, nick) }

// snapshot returns the presence of room over the cluster now.
func (p *presence) snapshot(room string) tt.Presence {
	return mergePresence(room, p.local.nicks(room), p.peers.room(room))
}

// localSnapshot returns this node's own presence of room: what it announces.
func (p *presence) localSnapshot(room string) tt.Presence {
	return mergePresence(room, p.local.nicks(room), nil)
}

// counts returns the rooms with connections here or people anywhere in the
// cluster, and the number of people online in each.
func (p *presence) counts() map[string]int {
	out := p.local.counts()
	for room := range out {
		if peers := p.peers.room(room); len(peers) > 0 {
			out[room] = mergePresence(room, p.local.nicks(room), peers).Count
		}
	}
	for _, room := range p.peers.roomNames() {
		if _, ok := out[room]; !ok {
			out[room] = mergePresence(room, nil, p.peers.room(room)).Count
		}
	}
	return out
}

// flush expires peers that stopped announcing, then returns the merged
// presence of every room whose merged result changed since it was last
// returned (at most one per room per call: calling it every interval is
// what coalesces presence events), and, when clustered, this node's own
// snapshots to announce: rooms whose local people changed, and every
// occupied room once per heartbeat, after a hello, or when the last flush
// was more than alive ago (this node was frozen: the others dropped it).
func (p *presence) flush(now time.Time, alive time.Duration) (changed, announce []tt.Presence) {
	woke := !p.lastFlush.IsZero() && now.Sub(p.lastFlush) > alive
	p.lastFlush = now
	p.peers.expire(now)
	localDirty := p.local.takeDirty()
	rooms := make(map[string]struct{}, len(localDirty))
	for _, r := range localDirty {
		rooms[r] = struct{}{}
	}
	for _, r := range p.peers.takeDirty() {
		rooms[r] = struct{}{}
	}
	for room := range rooms {
		m := p.snapshot(room)
		prev, ok := p.sent[room]
		if !ok {
			prev = tt.Presence{Room: room} // never sent: as good as empty
		}
		if samePresence(m, prev) {
			continue
		}
		changed = append(changed, m)
		if m.Count == 0 && len(m.Online) == 0 {
			delete(p.sent, room)
		} else {
			p.sent[room] = m
		}
	}
	if !p.clustered {
		return changed, nil
	}
	toAnnounce := localDirty
	if now.After(p.nextBeat) || p.announceAll.Swap(false) || woke {
		p.nextBeat = now.Add(p.heartbeat)
		toAnnounce = append(toAnnounce, p.local.occupied()...)
	}
	done := make(map[string]struct{}, len(toAnnounce))
	for _, room := range toAnnounce {
		if _, ok := done[room]; ok {
			continue
		}
		done[room] = struct{}{}
		announce = append(announce, p.localSnapshot(room))
	}
	return changed, announce
}
