package server

import (
	"errors"
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

// Message returns the chat message id of room while the log retains it;
// false when id names no retained message of room (none at all, one
// discarded, or an event of another kind or room). It reads the history
// index, or the log for what the index's cache no longer holds; the error
// is a failed read of the log (bounded by the index's load timeout). Safe
// for concurrent use.
func (s *Server) Message(room, id string) (tt.ChatMessage, bool, error) {
	seq, ok := history.ParseID(id)
	if !ok || seq == 0 || tt.ValidateRoom(room) != nil {
		return tt.ChatMessage{}, false, nil
	}
	page, err := s.opts.History.Page(room, seq-1, 1)
	if errors.Is(err, history.ErrGap) {
		return tt.ChatMessage{}, false, nil
	}
	if err != nil {
		return tt.ChatMessage{}, false, err
	}
	if len(page) == 0 || page[0].Seq != seq || !page[0].IsMessage() || page[0].Msg.Room != room {
		return tt.ChatMessage{}, false, nil
	}
	return page[0].Msg, true, nil
}
