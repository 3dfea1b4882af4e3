//go:build !wasm

package node

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	tt "tickertalk/app"
	"tickertalk/market"
	"tickertalk/server"
	"tickertalk/store"
)

// tickerState names the stored latest ticker snapshot (see
// [store.Store.SaveState]).
const tickerState = "ticker"

// stateTimeout bounds one load or save of the ticker state.
const stateTimeout = 5 * time.Second

// takeoverStateWait bounds the load of the stored ticker state by a
// publisher that has heard the cluster's latest prices (see restoreMarket).
const takeoverStateWait = 300 * time.Millisecond

// lastSaveTimeout bounds the save a publisher makes as it stops: well
// within the LeaseTTL/6 a lease holder has to stop before another may
// start, so that the last save never lands over the next publisher's.
const lastSaveTimeout = 200 * time.Millisecond

// restoreMarket makes mk go on from the newest prices known: the snapshot
// the last publisher stored (what a restarted node, or the first node of a
// restarted cluster, has) or the one this node last received from the bus
// (a publisher that just lost its lease may not have stored its last tick
// yet). Without either, mk keeps its opening prices.
func restoreMarket(ctx context.Context, mk *market.Market, srv *server.Server, st *store.Store, log *slog.Logger) {
	live, haveLive := srv.TickerSnapshot()
	// A node taking over from a lost publisher has heard its prices: the
	// stored ones can be newer only by the ticks it missed, not worth
	// waiting for while the bucket's leader may be the lost node (its RAFT
	// group elects another in seconds, the ticker must go on within 3 s).
	wait := stateTimeout
	if haveLive {
		wait = takeoverStateWait
	}
	stored, haveStored := loadTicker(ctx, st, wait, log)
	switch {
	case haveStored && (!haveLive || !quoteTime(live).After(quoteTime(stored))):
		mk.Restore(stored)
		log.Info("the ticker goes on from its stored prices", "at", quoteTime(stored))
	case haveLive:
		mk.Restore(live)
	}
}

// loadTicker returns the stored ticker snapshot, if there is a readable one.
// It waits at most wait.
func loadTicker(ctx context.Context, st *store.Store, wait time.Duration, log *slog.Logger) (tt.TickerUpdate, bool) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	data, err := st.LoadState(ctx, tickerState)
	if errors.Is(err, store.ErrNoState) {
		return tt.TickerUpdate{}, false
	}
	var u tt.TickerUpdate
	if err == nil {
		err = json.Unmarshal(data, &u)
	}
	if err != nil {
		log.Warn("the stored ticker prices cannot be read: the market opens afresh", "err", err)
		return tt.TickerUpdate{}, false
	}
	return u, len(u.Quotes) > 0
}

// quoteTime is the newest quote time of u.
func quoteTime(u tt.TickerUpdate) time.Time {
	var t time.Time
	for _, q := range u.Quotes {
		if q.Time.After(t) {
			t = q.Time
		}
	}
	return t
}

// tickerSaver stores the market's latest snapshot off the ticker's
// goroutine: a slow store delays the saves, never the ticks. Offers made
// while a save runs replace one another; only the newest is saved next.
type tickerSaver struct {
	latest chan tt.TickerUpdate // holds at most the one unsaved snapshot
	done   chan struct{}
}

// startTickerSaver saves what [tickerSaver.offer] is given until ctx ends,
// then saves the last snapshot not saved yet, if any (the one in the
// channel, or one whose save ctx's end cut short), within
// [lastSaveTimeout], and closes done: a publisher stopped cleanly keeps its
// very last tick, and returns promptly however slow the store is.
func startTickerSaver(ctx context.Context, st *store.Store, log *slog.Logger) *tickerSaver {
	s := &tickerSaver{latest: make(chan tt.TickerUpdate, 1), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		failing := false
		save := func(ctx context.Context, u tt.TickerUpdate, timeout time.Duration) error {
			sctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			data, err := json.Marshal(u)
			if err == nil {
				err = st.SaveState(sctx, tickerState, data)
			}
			// Logged when saving starts or stops failing, not every tick,
			// nor when the publisher stopping cut it short.
			switch {
			case err != nil && ctx.Err() != nil:
				return err
			case err != nil && !failing:
				log.Warn("cannot store the ticker prices: a restart would not go on from them", "err", err)
			case err == nil && failing:
				log.Info("the ticker prices are stored again")
			}
			failing = err != nil
			return err
		}
		var unsaved *tt.TickerUpdate
	loop:
		for {
			select {
			case u := <-s.latest:
				if err := save(ctx, u, stateTimeout); err != nil && ctx.Err() != nil {
					unsaved = &u
				}
			case <-ctx.Done():
				break loop
			}
		}
		select {
		case u := <-s.latest:
			unsaved = &u
		default:
		}
		if unsaved != nil {
			_ = save(context.WithoutCancel(ctx), *unsaved, lastSaveTimeout)
		}
	}()
	return s
}

// offer hands u to the saver, replacing an unsaved older snapshot. It never
// blocks. It must be called from one goroutine at a time.
func (s *tickerSaver) offer(u tt.TickerUpdate) {
	for {
		select {
		case s.latest <- u:
			return
		default:
		}
		select {
		case <-s.latest: // a stale snapshot the saver has not taken
		default:
		}
	}
}
