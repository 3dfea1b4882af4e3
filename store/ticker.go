package store

import (
	"fmt"
	"sync/atomic"

	"github.com/nats-io/nats.go"
)

// PublishTicker sends data to every ticker subscriber of the cluster on
// core NATS (subject ticker.update): nothing is stored, and a subscriber
// that is disconnected at that moment misses it. It does not wait for
// delivery; it fails only when the connection is closed or data is too big.
func (s *Store) PublishTicker(data []byte) error {
	if err := s.nc.Publish(tickerSubject, data); err != nil {
		return fmt.Errorf("store: publish ticker: %w", err)
	}
	return nil
}

// SubscribeTicker calls fn with every ticker payload published after it
// returns, in publication order, from one goroutine; data is fn's to keep.
// While disconnected the subscription waits for the reconnect, and misses
// what was published meanwhile. stop unsubscribes; fn is not called after stop
// returns, except for a call already running. A slow fn makes NATS drop
// payloads for this subscriber (logged), never slows the publisher.
func (s *Store) SubscribeTicker(fn func(data []byte)) (stop func(), err error) {
	return s.subscribe(tickerSubject, "ticker", fn)
}

// subscribe is SubscribeTicker and SubscribePresence on subject; what
// names it in errors and logs.
func (s *Store) subscribe(subject, what string, fn func(data []byte)) (stop func(), err error) {
	var stopped atomic.Bool
	sub, err := s.nc.Subscribe(subject, func(m *nats.Msg) {
		if !stopped.Load() {
			fn(m.Data)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("store: subscribe %s: %w", what, err)
	}
	// The subscription is registered once the server has seen it; if the
	// connection is down, it is registered again on reconnect.
	if err := s.nc.FlushTimeout(readyTimeout); err != nil {
		s.log.Warn(what+" subscription not confirmed yet", "err", err)
	}
	return func() {
		stopped.Store(true)
		_ = sub.Unsubscribe()
	}, nil
}
