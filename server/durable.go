package server

import (
	"context"
	"fmt"

	tt "tickertalk/app"
	"tickertalk/history"
)

// EventLog stores the events of durable kinds other than message in the
// chat log, beside the messages and in the same sequence (see
// [store.Store.PublishEntry]).
type EventLog interface {
	// PublishEntry stores e (its Kind, Msg.Room, JSON and the envelope's
	// Sender, ClientID and Time) and returns its sequence, with
	// ChatLog.Publish's deduplication by dedupID.
	PublishEntry(ctx context.Context, e history.Entry, dedupID string) (seq uint64, duplicate bool, err error)
}

// DeliverEvent takes the next event of a durable kind other than message
// from the one goroutine that follows the log, in log order with the
// messages given to Deliver, and does for it what Deliver does for a
// message: the history index first, then the room's connections, with
// the log position as its SSE id. An entry of a kind that is not a
// declared durable kind is refused.
func (s *Server) DeliverEvent(e history.Entry) error {
	k, ok := tt.LookupKind(e.Kind)
	if !ok || k.Class != tt.Durable || e.Kind == tt.EventMessage {
		return fmt.Errorf("deliver event %d: %q is not a durable kind", e.Seq, e.Kind)
	}
	seq, ok := history.ParseID(e.Msg.ID)
	if !ok || seq != e.Seq || len(e.JSON) == 0 {
		return fmt.Errorf("deliver %s event: bad id %q or no data", e.Kind, e.Msg.ID)
	}
	if !s.opts.History.Add(e) {
		return nil // already delivered
	}
	s.answers.await(newAnswerKey(e.Msg.Sender, e.Kind, e.Msg.ClientID))
	s.observers.notify(e)
	s.metrics.published.WithLabelValues(k.Name).Inc()
	s.hub.publishRoom(e.Msg.Room, newFrame(k, e.Msg.ID, e.JSON))
	return nil
}

// entryKind is the kind of a history entry: message for "".
func entryKind(e *history.Entry) *tt.KindInfo {
	if e.Kind == "" {
		return tt.KindMessage.Info()
	}
	if k, ok := tt.LookupKind(e.Kind); ok {
		return k
	}
	return nil
}
