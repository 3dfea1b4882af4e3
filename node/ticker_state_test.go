package node

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/internal/testclient"
	"tickertalk/store"
)

// loadStoredTicker opens the store of a stopped node's data dir and returns
// the ticker snapshot it keeps.
func loadStoredTicker(t *testing.T, dir string) tt.TickerUpdate {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	st, err := store.Open(ctx, store.Config{DataDir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	data, err := st.LoadState(ctx, tickerState)
	if err != nil {
		t.Fatalf("the stopped node left no ticker state: %v", err)
	}
	var u tt.TickerUpdate
	if err := json.Unmarshal(data, &u); err != nil {
		t.Fatalf("stored ticker %q: %v", data, err)
	}
	return u
}

// TestRestartGoesOnFromTheStoredPrices stops a node after some ticks and
// starts it again on the same data dir with another seed: its first prices
// are exactly the last ones it stored (open and sparkline history
// included), which are the last it published, not the new seed's opening
// prices.
func TestRestartGoesOnFromTheStoredPrices(t *testing.T) {
	dir := t.TempDir()
	symbols := []string{"ACME", "GLOBEX", "INITECH", "UMBRELLA"}
	a := startClusterNode(t, func(c *config.Config) { c.DataDir, c.Symbols = dir, symbols })
	s := testclient.OpenStream(t, a.URL+tt.PathEventStream, "")
	var seen tt.TickerUpdate
	for range 10 {
		seen = s.MustNextUpdate(t, 10*time.Second)
	}
	s.Close()
	a.Stop()

	stored := loadStoredTicker(t, dir)
	if len(stored.Quotes) != len(symbols) {
		t.Fatalf("stored %d quotes, want %d", len(stored.Quotes), len(symbols))
	}
	// A clean stop stores the last tick published: no earlier than the
	// last one the stream delivered.
	if quoteTime(stored).Before(quoteTime(seen)) {
		t.Fatalf("stored prices of %v, older than the last seen of %v", quoteTime(stored), quoteTime(seen))
	}

	// Another seed, and a tick so long that the first update a stream gets
	// is the restored market's opening snapshot.
	b := startClusterNode(t, func(c *config.Config) {
		c.DataDir, c.Symbols, c.Seed, c.Tick = dir, symbols, 8, time.Hour
	})
	first := testclient.OpenStream(t, b.URL+tt.PathEventStream, "").MustNextUpdate(t, 10*time.Second)
	for i, q := range first.Quotes {
		want := stored.Quotes[i]
		if q.Symbol != want.Symbol || q.Price != want.Price || q.Open != want.Open || q.Change != want.Change {
			t.Errorf("after the restart %s = %v (open %v, change %v), want the stored %s = %v (open %v, change %v)",
				q.Symbol, q.Price, q.Open, q.Change, want.Symbol, want.Price, want.Open, want.Change)
		}
		if got, want := first.History[q.Symbol], stored.History[q.Symbol]; !slices.Equal(got, want) {
			t.Errorf("%s history after the restart %v, want the stored %v", q.Symbol, got, want)
		}
	}
}
