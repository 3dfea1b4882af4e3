package server

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	tt "tickertalk/app"
	"tickertalk/market"
)

// TestTickerRefusesBadUpdates: what the bus carries is checked as a market
// makes it; a bad update changes nothing a client would see.
func TestTickerRefusesBadUpdates(t *testing.T) {
	n := startNode(t, "")
	good := `{"quotes":[{"symbol":"ACME","price":2,"open":1},{"symbol":"HOOLI","price":3,"open":3}]}`
	if err := n.srv.Ticker([]byte(good)); err != nil {
		t.Fatal(err)
	}
	before := string(n.srv.ticker.snapshotFrame())
	var quotes []string
	for i := range market.MaxSymbols + 1 {
		quotes = append(quotes, fmt.Sprintf(`{"symbol":"S%d","price":1,"open":1}`, i))
	}
	tooMany := `{"quotes":[` + strings.Join(quotes, ",") + `]}`
	tests := []struct{ name, data string }{
		{"no quotes", `{"quotes":[]}`},
		{"empty symbol", `{"quotes":[{"symbol":"","price":1,"open":1}]}`},
		{"symbol with a newline", `{"quotes":[{"symbol":"A\nB","price":1,"open":1}]}`},
		{"lower case symbol", `{"quotes":[{"symbol":"acme","price":1,"open":1}]}`},
		{"duplicate symbol", `{"quotes":[{"symbol":"ACME","price":1,"open":1},{"symbol":"ACME","price":1,"open":1}]}`},
		{"too many symbols", tooMany},
		{"zero price", `{"quotes":[{"symbol":"ACME","price":0,"open":1}]}`},
		{"negative open", `{"quotes":[{"symbol":"ACME","price":1,"open":-1}]}`},
		{"negative history", `{"quotes":[{"symbol":"ACME","price":1,"open":1}],"history":{"ACME":[1,-2]}}`},
	}
	for _, tc := range tests {
		err := n.srv.Ticker([]byte(tc.data))
		if !errors.Is(err, errBadUpdate) {
			t.Errorf("%s: %v, want errBadUpdate", tc.name, err)
		}
	}
	if after := string(n.srv.ticker.snapshotFrame()); after != before {
		t.Errorf("bad updates changed the snapshot:\n%s\nwas\n%s", after, before)
	}
}

// TestTickerForgetsSymbolsThatLeft: the sparklines kept are those of the
// symbols of the latest update only.
func TestTickerForgetsSymbolsThatLeft(t *testing.T) {
	ts := newTickerState(60)
	for _, data := range []string{
		`{"quotes":[{"symbol":"ACME","price":2,"open":1},{"symbol":"HOOLI","price":3,"open":3}]}`,
		`{"quotes":[{"symbol":"ACME","price":2,"open":1}]}`,
	} {
		ts.apply(decode[tt.TickerUpdate](t, data))
	}
	if _, ok := ts.history["HOOLI"]; ok || len(ts.history) != 1 {
		t.Fatalf("history keeps %d symbols, HOOLI among them: %v", len(ts.history), ts.history)
	}
}
