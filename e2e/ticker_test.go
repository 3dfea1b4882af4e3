package e2e

import (
	"testing"
	"time"

	tt "tickertalk/app"
)

// MaxFirstPriceChange is how soon after the first quote is on screen a
// price must change, with the harness's 200 ms tick.
const MaxFirstPriceChange = 3 * time.Second

// TestTickerPriceChanges loads the page and checks that the ticker is live:
// the first quote shown changes its price within [MaxFirstPriceChange] of
// being rendered. Both moments are recorded in the page, at the DOM
// mutation.
func TestTickerPriceChanges(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	tab := NewBrowser(t)
	watchQuotes(t, tab)
	Navigate(t, tab, roomURL(srv, tt.DefaultRoom))
	WaitWasmReady(t, tab)
	WaitFor(t, tab, `window.__ttWatch.quote !== null`, UITimeout)
	WaitFor(t, tab, `window.__ttWatch.changed !== null`, MaxFirstPriceChange+5*time.Second)

	w := readQuoteWatch(t, tab)
	took := time.Duration((*w.Changed - *w.Quote) * float64(time.Millisecond))
	t.Logf("%s: first price %s at %.0f ms, then %s %v later", w.Symbol, w.Price, *w.Quote, w.ChangedTo, took.Round(time.Millisecond))
	if took > MaxFirstPriceChange {
		t.Errorf("%s changed %v after its first price was rendered, want within %v", w.Symbol, took, MaxFirstPriceChange)
	}
}
