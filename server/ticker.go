package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	tt "tickertalk/app"
	"tickertalk/market"
)

// tickerState is this node's view of the market, built from the updates on
// the bus so that every node shows the same prices and the same sparklines.
type tickerState struct {
	keep int

	mu      sync.RWMutex
	latest  tt.TickerUpdate
	history map[string][]float64
	order   []string
	// frame is the snapshot as a ready `update` event, made once per tick
	// and shared, read-only, by every connection that starts before the
	// next: connecting costs no encoding and no garbage.
	frame []byte
}

func newTickerState(keep int) *tickerState {
	return &tickerState{keep: keep, history: make(map[string][]float64)}
}

// apply records one update; a first update with History seeds the
// sparklines (a node joining a running cluster, or the publisher's restore).
func (t *tickerState) apply(u tt.TickerUpdate) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.latest = tt.TickerUpdate{Quotes: u.Quotes}
	t.order = t.order[:0]
	for _, q := range u.Quotes {
		t.order = append(t.order, q.Symbol)
		h := t.history[q.Symbol]
		if len(h) == 0 && len(u.History[q.Symbol]) > 0 {
			h = append(h, u.History[q.Symbol]...)
		} else {
			h = append(h, q.Price)
		}
		if len(h) > t.keep {
			h = append(h[:0], h[len(h)-t.keep:]...)
		}
		t.history[q.Symbol] = h
	}
	if len(t.history) > len(t.order) { // a symbol left the market
		for sym := range t.history {
			if !slices.Contains(t.order, sym) {
				delete(t.history, sym)
			}
		}
	}
	t.frame = nil
	if snap, ok := t.snapshotLocked(); ok {
		if data, err := json.Marshal(snap); err == nil {
			// A new slice every tick, never appended to or modified:
			// conns write it as is, perhaps after the next tick.
			t.frame = appendFrame(make([]byte, 0, len(data)+32), tt.KindUpdate.Info(), "", data)
		}
	}
}

// snapshotFrame returns the latest snapshot as an `update` event, or nil
// before the first update. Callers must not modify it.
func (t *tickerState) snapshotFrame() []byte {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.frame
}

// snapshot returns the latest quotes with the recent prices of each symbol;
// ok is false before the first update.
func (t *tickerState) snapshot() (tt.TickerUpdate, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.snapshotLocked()
}

func (t *tickerState) snapshotLocked() (tt.TickerUpdate, bool) {
	if len(t.latest.Quotes) == 0 {
		return tt.TickerUpdate{}, false
	}
	out := tt.TickerUpdate{
		Quotes:  append([]tt.Quote(nil), t.latest.Quotes...),
		History: make(map[string][]float64, len(t.order)),
	}
	for _, sym := range t.order {
		out.History[sym] = append([]float64(nil), t.history[sym]...)
	}
	return out, true
}

// Ticker takes one TickerUpdate (JSON, as published on the bus) and sends
// it to every connection of this node as an `update` event.
func (s *Server) Ticker(data []byte) error {
	var u tt.TickerUpdate
	if err := json.Unmarshal(data, &u); err != nil {
		return fmt.Errorf("decode ticker update: %w", err)
	}
	if err := validUpdate(u); err != nil {
		return fmt.Errorf("ticker update: %w", err)
	}
	s.ticker.apply(u)
	live, err := json.Marshal(tt.TickerUpdate{Quotes: u.Quotes})
	if err != nil {
		return fmt.Errorf("encode ticker update: %w", err)
	}
	s.metrics.published.WithLabelValues(tt.EventUpdate).Inc()
	s.hub.publishAll(newFrame(tt.KindUpdate.Info(), "", live))
	return nil
}

// errBadUpdate reports a ticker update that no market publishes.
var errBadUpdate = errors.New("invalid ticker update")

// validUpdate checks an update from the bus as a market makes one: 1 to
// market.MaxSymbols distinct valid symbols, positive prices. Anything that
// can publish on the NATS server can publish on the ticker subject.
func validUpdate(u tt.TickerUpdate) error {
	syms := make([]string, len(u.Quotes))
	for i, q := range u.Quotes {
		syms[i] = q.Symbol
		if !(q.Price > 0) || !(q.Open > 0) {
			return fmt.Errorf("%w: %s price %v, open %v", errBadUpdate, q.Symbol, q.Price, q.Open)
		}
	}
	if err := market.ValidateSymbols(syms); err != nil {
		return fmt.Errorf("%w: %w", errBadUpdate, err)
	}
	for sym, h := range u.History {
		for _, p := range h {
			if !(p > 0) {
				return fmt.Errorf("%w: %s history price %v", errBadUpdate, sym, p)
			}
		}
	}
	return nil
}

// TickerSnapshot returns the latest update with sparkline history, for a
// node that takes over the ticker to continue from; ok is false before the
// first update.
func (s *Server) TickerSnapshot() (tt.TickerUpdate, bool) { return s.ticker.snapshot() }
