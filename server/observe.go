package server

import (
	"sync"

	tt "tickertalk/app"
	"tickertalk/history"
)

// observers holds the functions [Observe] registered, by kind name. Safe
// for concurrent use.
type observers struct {
	mu     sync.RWMutex
	byKind map[string][]func(id string, data []byte)
}

// Observe calls fn with every event of the durable kind k that this node
// delivers, with its id: from the one goroutine that follows the log, in
// log order, once the history index holds it and before the room's
// connections get it. Events delivered while the node loads the log at
// start are included, so an observer registered before that (with
// node.WithServer) sees every retained event and can rebuild what it
// derives from them. fn must return quickly: it delays every later
// delivery. Events whose data does not decode into T are not observed.
// Safe to call from any goroutine.
func Observe[T any](s *Server, k tt.Kind[T], fn func(id string, v T)) {
	s.observers.mu.Lock()
	defer s.observers.mu.Unlock()
	if s.observers.byKind == nil {
		s.observers.byKind = make(map[string][]func(string, []byte))
	}
	s.observers.byKind[k.Name()] = append(s.observers.byKind[k.Name()], func(id string, data []byte) {
		if v, err := k.Decode(data); err == nil {
			fn(id, v)
		}
	})
}

// notify hands e to the observers of its kind.
func (o *observers) notify(e history.Entry) {
	o.mu.RLock()
	fns := o.byKind[e.Kind]
	o.mu.RUnlock()
	for _, fn := range fns {
		fn(e.Msg.ID, e.JSON)
	}
}
