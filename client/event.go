package client

import (
	"bytes"
	"errors"
	"fmt"

	tt "tickertalk/app"
)

// ErrBadEvent reports an event of a declared kind whose data does not
// decode as the kind's type. The stream goes on after it.
var ErrBadEvent = errors.New("event data does not decode")

// Event is one event of a stream, decoded through the registry of package
// app.
type Event struct {
	// Kind is the SSE event name ("message" for a block without one, as an
	// EventSource says).
	Kind string
	// ID is the event's id, "" for events of classes without one (only
	// durable kinds carry one). Ids are opaque: compare them for equality.
	ID string
	// Room is the room the payload names ([app.Roomed]), "" for a kind of
	// no room (the ticker) or an unknown kind.
	Room string
	// Data is the event's data as sent (JSON); it belongs to the Event.
	Data []byte
	// Value is the decoded payload, a pointer to the kind's type (a
	// *[app.ChatMessage] for "message"), or nil for a kind this program
	// does not declare: such an event is delivered raw, not refused.
	Value any
	// Info describes the kind, nil for an unknown kind.
	Info *tt.KindInfo
}

// As returns e's payload as a value of kind k, and false when e is of
// another kind (or an unknown one).
func As[T any](e Event, k tt.Kind[T]) (T, bool) {
	if e.Kind == k.Name() {
		if v, ok := e.Value.(*T); ok {
			return *v, true
		}
	}
	var zero T
	return zero, false
}

// decodeEvent builds the Event of one frame that has data. An error is a
// declared kind whose data does not decode: the Event then carries Data
// but no Value.
func decodeEvent(f Frame) (Event, error) {
	e := Event{Kind: string(f.Event), Data: append([]byte(nil), f.Data...)}
	if e.Kind == "" {
		e.Kind = "message"
	}
	if f.HasID && bytes.IndexByte(f.ID, 0) < 0 {
		e.ID = string(f.ID)
	}
	info, ok := tt.LookupKind(e.Kind)
	if !ok {
		return e, nil
	}
	e.Info = info
	v, err := info.Decode(e.Data)
	if err != nil {
		return e, fmt.Errorf("%w: %w", ErrBadEvent, err)
	}
	e.Value = v
	if r, ok := v.(tt.Roomed); ok {
		e.Room = r.EventRoom()
	}
	return e, nil
}
