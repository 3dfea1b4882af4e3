package server

import (
	"sync"

	tt "tickertalk/app"
)

// localPresence counts who is connected to each room on this node. A change
// of a room's set of people marks the room dirty; takeDirty hands each dirty
// room out once, which is what coalesces a storm of joins. It is safe for
// concurrent use.
type localPresence struct {
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

func newLocalPresence() *localPresence {
	return &localPresence{rooms: make(map[string]*roomPresence), dirty: make(map[string]struct{})}
}

// join records a connection of nick (empty when not signed in) to room.
func (p *localPresence) join(room, nick string) {
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
func (p *localPresence) leave(room, nick string) {
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

// nicks returns the people connected to room on this node, each once (as
// first spelled), uncapped, in no order: mergePresence sorts.
func (p *localPresence) nicks(room string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.rooms[room]
	if r == nil {
		return nil
	}
	out := make([]string, 0, len(r.nicks))
	for _, m := range r.nicks {
		out = append(out, m.nick)
	}
	return out
}

// counts returns every room with connections on this node and the number of
// people in it (anonymous connections keep a room listed with 0).
func (p *localPresence) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.rooms))
	for name, r := range p.rooms {
		out[name] = len(r.nicks)
	}
	return out
}

// occupied returns the rooms where at least one person is connected.
func (p *localPresence) occupied() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.rooms))
	for name, r := range p.rooms {
		if len(r.nicks) > 0 {
			out = append(out, name)
		}
	}
	return out
}

// takeDirty returns the rooms whose people changed since the last call, and
// clears the marks.
func (p *localPresence) takeDirty() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.dirty))
	for room := range p.dirty {
		out = append(out, room)
		delete(p.dirty, room)
	}
	return out
}
