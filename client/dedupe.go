package client

// dedupeWindow is how many of the latest ids of a room a [Stream]
// remembers to skip an event delivered before. A server replays at most
// --replay-max events (5,000 by default) after the id a client resumes
// from, so a duplicate from a replay falls within the window.
const dedupeWindow = 8192

// idWindow remembers the latest n ids added, for equality only: ids are
// opaque to the client, which never orders them.
type idWindow struct {
	ring []string
	next int
	set  map[string]struct{}
}

func newIDWindow(n int) *idWindow {
	return &idWindow{ring: make([]string, 0, n), set: make(map[string]struct{})}
}

// add records id and reports whether it is new, forgetting the oldest id
// when the window is full.
func (w *idWindow) add(id string) bool {
	if _, dup := w.set[id]; dup {
		return false
	}
	if len(w.ring) < cap(w.ring) {
		w.ring = append(w.ring, id)
	} else {
		delete(w.set, w.ring[w.next])
		w.ring[w.next] = id
		w.next = (w.next + 1) % len(w.ring)
	}
	w.set[id] = struct{}{}
	return true
}
