package server

import (
	"slices"
	"sync"

	tt "tickertalk/app"
)

// presence counts who is connected to each room on this node. Changes mark
// the room dirty; flush reports each dirty room once, so a storm of N joins
// costs one presence event per room per flush interval, not N.
type presence struct {
	mu    sync.Mutex
	rooms map[string]*roomPresence
	dirty map[string]struct{}
}

type roomPresence struct {
	conns int                // every connection, signed in or not
	nicks map[string]*member // NickKey -> member
}

type member struct {
	nick  string
	conns int // a person may have several tabs open
}

func newPresence() *presence {
	return &presence{rooms: make(map[string]*roomPresence), dirty: make(map[string]struct{})}
}

// join records a connection of nick (empty when not signed in) to room.
func (p *presence) join(room, nick string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.rooms[room]
	if r == nil {
		r = &roomPresence{nicks: make(map[string]*member)}
		p.rooms[room] = r
	}
	r.conns++
	if nick == "" {
		return
	}
	k := tt.NickKey(nick)
	m := r.nicks[k]
	if m == nil {
		m = &member{nick: nick}
		r.nicks[k] = m
		p.dirty[room] = struct{}{}
	}
	m.conns++
}

// leave undoes one join.
func (p *presence) leave(room, nick string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.rooms[room]
	if r == nil {
		return
	}
	r.conns--
	if nick != "" {
		k := tt.NickKey(nick)
		if m := r.nicks[k]; m != nil {
			m.conns--
			if m.conns <= 0 {
				delete(r.nicks, k)
				p.dirty[room] = struct{}{}
			}
		}
	}
	if r.conns <= 0 {
		delete(p.rooms, room)
	}
}

// snapshot returns the presence of room now.
func (p *presence) snapshot(room string) tt.Presence {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snapshotLocked(room)
}

func (p *presence) snapshotLocked(room string) tt.Presence {
	out := tt.Presence{Room: room, Online: []string{}}
	r := p.rooms[room]
	if r == nil {
		return out
	}
	for _, m := range r.nicks {
		out.Online = append(out.Online, m.nick)
	}
	slices.Sort(out.Online)
	out.Count = len(out.Online)
	if len(out.Online) > tt.PresenceListCap {
		out.Online = out.Online[:tt.PresenceListCap]
	}
	return out
}

// counts returns the rooms with connections and their online counts.
func (p *presence) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.rooms))
	for name, r := range p.rooms {
		out[name] = len(r.nicks)
	}
	return out
}

// flush returns the presence of every room that changed since the last
// flush and clears the marks.
func (p *presence) flush() []tt.Presence {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]tt.Presence, 0, len(p.dirty))
	for room := range p.dirty {
		out = append(out, p.snapshotLocked(room))
		delete(p.dirty, room)
	}
	return out
}
