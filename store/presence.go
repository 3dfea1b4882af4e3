package store

import (
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"

	tt "tickertalk/app"
)

// Presence subjects: presence.<room> on core NATS.
const (
	presencePrefix   = "presence."
	presenceWildcard = "presence.*"
)

// ErrInvalidRoom reports a room name that cannot name a presence subject;
// it wraps the validation error of [tt.ValidateRoom] too.
var ErrInvalidRoom = errors.New("store: invalid room")

// PublishPresence sends data to every presence subscriber of the cluster on
// core NATS (subject presence.<room>): nothing is stored, and a subscriber
// that is disconnected at that moment misses it (the sender re-announces on
// a heartbeat). It does not wait for delivery; it fails with [ErrInvalidRoom]
// for a bad room, or when the connection is closed or data is too big.
func (s *Store) PublishPresence(room string, data []byte) error {
	if err := tt.ValidateRoom(room); err != nil {
		return fmt.Errorf("%w %q: %w", ErrInvalidRoom, room, err)
	}
	if err := s.nc.Publish(presencePrefix+room, data); err != nil {
		return fmt.Errorf("store: publish presence: %w", err)
	}
	return nil
}

// SubscribePresence calls fn with every presence payload of every room
// published after it returns, this node's own included, in publication
// order per publisher, from one goroutine; data is fn's to keep. stop
// unsubscribes; fn is not called after stop returns, except for a call
// already running. A slow fn makes NATS drop payloads for this subscriber
// (logged), never slows the publishers.
func (s *Store) SubscribePresence(fn func(data []byte)) (stop func(), err error) {
	return s.subscribe(presenceWildcard, "presence", func(m *nats.Msg) { fn(m.Data) })
}
