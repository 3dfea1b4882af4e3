package store

import (
	"fmt"

	"github.com/nats-io/nats.go"
)

// liveSubject carries state and signal events between nodes on core NATS.
const liveSubject = "live.events"

// PublishLive sends data to every live subscriber of the cluster on core
// NATS: nothing is stored, and a subscriber disconnected at that moment
// misses it. It does not wait for delivery; it fails when the connection
// is closed or data is too big.
func (s *Store) PublishLive(data []byte) error {
	if err := s.nc.Publish(liveSubject, data); err != nil {
		return fmt.Errorf("store: publish live event: %w", err)
	}
	return nil
}

// SubscribeLive calls fn with every live payload published after it
// returns, this node's own included, in publication order per publisher,
// from one goroutine; data is fn's to keep. stop unsubscribes. A slow fn
// makes NATS drop payloads for this subscriber (logged), never slows the
// publishers.
func (s *Store) SubscribeLive(fn func(data []byte)) (stop func(), err error) {
	return s.subscribe(liveSubject, "live events", func(m *nats.Msg) { fn(m.Data) })
}
