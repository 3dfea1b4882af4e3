package market

import (
	"context"
	"time"

	tt "tickertalk/app"
)

// Run calls [Market.Step] every [Market.Tick] and hands each update to
// publish, until ctx is done. publish runs on Run's goroutine, one call at a
// time; a slow publish delays the next tick but never makes ticks pile up or
// drift cumulatively (ticks missed while publish runs are dropped, as with
// [time.Ticker]). Run returns when ctx is done; it does not publish a first
// update immediately: callers that need one publish [Market.Snapshot].
func (m *Market) Run(ctx context.Context, publish func(tt.TickerUpdate)) {
	t := time.NewTicker(m.tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if ctx.Err() != nil {
				return
			}
			publish(m.Step(now))
		}
	}
}
