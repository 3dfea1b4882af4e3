package e2e

import (
	"context"
	"testing"
)

// quoteWatchJS runs in every new document of a tab before the page's own
// scripts. A MutationObserver records, as performance.now() (milliseconds
// since the navigation started), when the wasm marked the body ready, when
// the first quote showed a price (its symbol and text), and when that
// symbol's price text first changed. Recording in the page, at the
// mutation, keeps the figures free of the test's polling delay.
const quoteWatchJS = `(() => {
	const w = window.__ttWatch = {ready: null, quote: null, symbol: "", price: "", changed: null, changedTo: ""};
	const check = () => {
		if (w.ready === null && document.body && document.body.dataset.wasm === "ready") {
			w.ready = performance.now();
		}
		if (w.quote === null) {
			for (const q of document.querySelectorAll(".quote[data-symbol]")) {
				const p = q.querySelector(".price")?.textContent.trim();
				if (p) {
					w.quote = performance.now();
					w.symbol = q.dataset.symbol;
					w.price = p;
					break;
				}
			}
		} else if (w.changed === null) {
			const q = [...document.querySelectorAll(".quote[data-symbol]")].find(q => q.dataset.symbol === w.symbol);
			const p = q?.querySelector(".price")?.textContent.trim();
			if (p && p !== w.price) {
				w.changed = performance.now();
				w.changedTo = p;
			}
		}
		if (w.ready !== null && w.changed !== null) obs.disconnect();
	};
	const obs = new MutationObserver(check);
	obs.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
})()`

// quoteWatch is window.__ttWatch as the test reads it.
type quoteWatch struct {
	Ready     *float64 `json:"ready"`
	Quote     *float64 `json:"quote"`
	Symbol    string   `json:"symbol"`
	Price     string   `json:"price"`
	Changed   *float64 `json:"changed"`
	ChangedTo string   `json:"changedTo"`
}

// watchQuotes installs [quoteWatchJS] in the tab of ctx for every later
// navigation.
func watchQuotes(t *testing.T, ctx context.Context) {
	t.Helper()
	RunBeforePage(t, ctx, "the quote watch", quoteWatchJS)
}

// readQuoteWatch returns what the watch of the current document recorded.
func readQuoteWatch(t *testing.T, ctx context.Context) quoteWatch {
	t.Helper()
	return Eval[quoteWatch](t, ctx, `window.__ttWatch`)
}
