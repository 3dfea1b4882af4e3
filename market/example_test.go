package market_test

import (
	"context"
	"fmt"
	"time"

	tt "tickertalk/app"
	"tickertalk/market"
)

func ExampleMarket() {
	m, err := market.New(market.Config{Symbols: []string{"ACME", "GLOBEX"}, Seed: 42, Tick: 10 * time.Millisecond, HistoryLen: 30})
	if err != nil {
		panic(err)
	}
	// A new connection gets a snapshot with history for its sparklines ...
	snap := m.Snapshot()
	fmt.Println(len(snap.Quotes), len(snap.History["ACME"]))

	// ... then every tick's update.
	ctx, cancel := context.WithCancel(context.Background())
	updates := make(chan tt.TickerUpdate, 1)
	go m.Run(ctx, func(u tt.TickerUpdate) {
		select {
		case updates <- u:
		default: // never block the ticker on a slow consumer
		}
	})
	u := <-updates
	cancel()
	fmt.Println(u.Quotes[0].Symbol, u.Quotes[1].Symbol, u.History == nil)
	// Output:
	// 2 30
	// ACME GLOBEX true
}
