package store

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// EpochHeader is the NATS header in which [Store.PublishTicker] stamps the
// [Lease.Epoch] of the publisher's term.
const EpochHeader = "Tickertalk-Lease-Epoch"

// PublishTicker sends data to every ticker subscriber of the cluster on
// core NATS (subject ticker.update), stamped with lease's epoch: nothing is
// stored, and a subscriber that is disconnected at that moment misses it.
// It fails with [ErrLeaseLost], sending nothing, when lease is no longer
// [Lease.Held]; otherwise only when the connection is closed or data is
// too big. It does not wait for delivery.
func (s *Store) PublishTicker(lease *Lease, data []byte) error {
	if !lease.Held() {
		return fmt.Errorf("store: publish ticker: %w", ErrLeaseLost)
	}
	m := &nats.Msg{Subject: tickerSubject, Data: data, Header: nats.Header{}}
	m.Header.Set(EpochHeader, strconv.FormatUint(lease.Epoch(), 10))
	if err := s.nc.PublishMsg(m); err != nil {
		return fmt.Errorf("store: publish ticker: %w", err)
	}
	return nil
}

// SubscribeTicker calls fn with every ticker payload published after it
// returns, in publication order, from one goroutine; data is fn's to keep.
// Payloads of an older lease epoch than one already seen are dropped (a
// publisher that froze and woke after another took over); once the newest
// epoch has been silent for LeaseTTL, any epoch is accepted again, so a
// LEASES bucket created anew (its revisions start over) cannot silence the
// ticker. Payloads without an epoch count as epoch 0.
//
// While disconnected the subscription waits for the reconnect, and misses
// what was published meanwhile. stop unsubscribes; fn is not called after
// stop returns, except for a call already running. A slow fn makes NATS
// drop payloads for this subscriber (logged), never slows the publisher.
func (s *Store) SubscribeTicker(fn func(data []byte)) (stop func(), err error) {
	f := &fence{quiet: s.cfg.LeaseTTL}
	return s.subscribe(tickerSubject, "ticker", func(m *nats.Msg) {
		epoch, _ := strconv.ParseUint(m.Header.Get(EpochHeader), 10, 64)
		if newest, ok := f.admit(epoch, time.Now()); !ok {
			s.log.Debug("ticker update of a stale lease epoch dropped", "epoch", epoch, "newest", newest)
			return
		}
		fn(m.Data)
	})
}

// fence admits the messages of the newest lease epoch seen, and of newer
// ones; an older epoch only after the newest has been quiet for quiet.
// It is not safe for concurrent use: one subscription's callbacks run one
// at a time.
type fence struct {
	quiet  time.Duration
	newest uint64
	last   time.Time // when the newest epoch was last admitted
}

// admit reports whether a message of epoch, received at now, passes, and
// the newest epoch after it.
func (f *fence) admit(epoch uint64, now time.Time) (newest uint64, ok bool) {
	if epoch < f.newest && now.Sub(f.last) < f.quiet {
		return f.newest, false
	}
	f.newest, f.last = epoch, now
	return epoch, true
}

// subscribe is SubscribeTicker and SubscribePresence on subject; what
// names it in errors and logs.
func (s *Store) subscribe(subject, what string, fn func(m *nats.Msg)) (stop func(), err error) {
	var stopped atomic.Bool
	sub, err := s.nc.Subscribe(subject, func(m *nats.Msg) {
		if !stopped.Load() {
			fn(m)
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
