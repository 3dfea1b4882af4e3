package market

import (
	"math"
	"time"

	tt "tickertalk/app"
)

// Step advances every symbol by one tick and returns the quotes of all
// symbols in configuration order, stamped now (in UTC, to the millisecond),
// without History. The prices depend only on the seed and the sequence of
// calls (Step and Restore), never on now.
func (m *Market) Step(now time.Time) tt.TickerUpdate {
	now = now.UTC().Truncate(time.Millisecond)
	quotes := make([]tt.Quote, len(m.stocks))
	m.lock.Lock()
	defer m.lock.Unlock()
	for i := range m.stocks {
		s := &m.stocks[i]
		s.price = math.Max(s.price*math.Exp(m.mu+m.sigma*m.rng.NormFloat64()), MinPrice)
		s.quote = quote(s.quote.Symbol, roundCents(s.price), s.quote.Open, now)
		s.hist.push(s.quote.Price)
		quotes[i] = s.quote
	}
	return tt.TickerUpdate{Quotes: quotes}
}

// Snapshot returns the latest quote of every symbol in configuration order,
// with History holding each symbol's recent prices, oldest first, ending at
// the latest price. Everything returned is a copy.
func (m *Market) Snapshot() tt.TickerUpdate {
	m.lock.Lock()
	defer m.lock.Unlock()
	u := tt.TickerUpdate{
		Quotes:  make([]tt.Quote, len(m.stocks)),
		History: make(map[string][]float64, len(m.stocks)),
	}
	for i := range m.stocks {
		s := &m.stocks[i]
		u.Quotes[i] = s.quote
		u.History[s.quote.Symbol] = s.hist.values()
	}
	return u
}

// Restore adopts prices published by another node, so that this market goes
// on from them: a node that takes over the ticker continues the cluster's
// prices instead of jumping, and a node that only follows keeps a current
// [Market.Snapshot] for its new connections.
//
// For each quote of a known symbol with a positive price, the price, open
// and time are adopted (Change and ChangePct are recomputed) and the price
// is appended to the history, unless it repeats the latest quote (same time
// and price: restoring an update twice, or one's own, is harmless). A
// History entry of a known symbol replaces that symbol's history, keeping
// the newest values. Unknown symbols and invalid values are ignored, and
// symbols absent from u keep their state.
func (m *Market) Restore(u tt.TickerUpdate) {
	m.lock.Lock()
	defer m.lock.Unlock()
	for _, q := range u.Quotes {
		i, ok := m.index[q.Symbol]
		if !ok || !validPrice(q.Price) {
			continue
		}
		s := &m.stocks[i]
		price := math.Max(roundCents(q.Price), MinPrice)
		open := s.quote.Open
		if validPrice(q.Open) {
			open = math.Max(roundCents(q.Open), MinPrice)
		}
		at := q.Time.UTC()
		if _, replaced := u.History[q.Symbol]; !replaced && (!at.Equal(s.quote.Time) || price != s.quote.Price) {
			s.hist.push(price)
		}
		s.price = price
		s.quote = quote(q.Symbol, price, open, at)
	}
	for sym, h := range u.History {
		i, ok := m.index[sym]
		if !ok {
			continue
		}
		valid := make([]float64, 0, len(h))
		for _, p := range h {
			if validPrice(p) {
				valid = append(valid, math.Max(roundCents(p), MinPrice))
			}
		}
		if len(valid) > 0 {
			m.stocks[i].hist.reset(valid)
		}
	}
}

// validPrice reports whether p can be a price.
func validPrice(p float64) bool { return p > 0 && !math.IsInf(p, 1) }
