package components

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// tickerView shows every quote: symbol, price, change with an arrow in
// green or red, and a sparkline. Each quote keeps the same element
// structure from one update to the next, so a tick only rewrites text and
// attributes in place: no flicker.
//
// It owns the ticker: it hears [tt.KindUpdate] on Bus, and keeps the last
// quotes and sparklines in the offline cache, shown at once on a reload.
type tickerView struct {
	app.Compo

	Bus *eventBus

	quotes []tt.Quote
	series map[string][]float64
	unsub  stopFunc
}

// OnMount shows the cached quotes and starts hearing the ticker.
func (t *tickerView) OnMount(ctx app.Context) {
	if t.Bus == nil {
		return
	}
	u := t.Bus.st.ticker()
	t.quotes, t.series = u.Quotes, u.History
	t.unsub = SubscribeBatch(ctx, t.Bus, tt.KindUpdate, t.onUpdates)
}

// OnDismount stops hearing the ticker.
func (t *tickerView) OnDismount() {
	t.unsub.stop()
}

// onUpdates applies a batch of updates and caches the last once.
func (t *tickerView) onUpdates(ctx app.Context, evs []Stored[tt.TickerUpdate]) {
	for _, ev := range evs {
		t.quotes, t.series = applyTicker(t.series, ev.V)
	}
	t.Bus.st.setTicker(tt.TickerUpdate{Quotes: t.quotes, History: t.series})
}

// applyTicker returns the quotes of u and the sparklines extended: from
// u's history when it has one (the first update of a connection), else by
// each quote's price.
func applyTicker(old map[string][]float64, u tt.TickerUpdate) ([]tt.Quote, map[string][]float64) {
	series := make(map[string][]float64, len(u.Quotes))
	for _, q := range u.Quotes {
		if h, ok := u.History[q.Symbol]; ok && len(h) > 0 {
			series[q.Symbol] = seriesFrom(h, q.Price, maxSeriesSize)
			continue
		}
		series[q.Symbol] = appendPrice(old[q.Symbol], q.Price, maxSeriesSize)
	}
	return u.Quotes, series
}

func (t *tickerView) Render() app.UI {
	return app.Section().ID("ticker").Class("ticker").Aria("label", "market ticker").Body(
		app.If(len(t.quotes) == 0, func() app.UI {
			return app.P().Class("ticker-empty").Text("waiting for quotes…")
		}),
		app.Ul().Class("quotes").Body(
			app.Range(t.quotes).Slice(func(i int) app.UI {
				return quoteRow(t.quotes[i], t.series[t.quotes[i].Symbol])
			}),
		),
	)
}

// quoteRow renders one quote. The structure never depends on the values.
func quoteRow(q tt.Quote, series []float64) app.UI {
	dir := direction(q.Change)
	return app.Li().Class("quote "+dir).DataSet("symbol", q.Symbol).Body(
		app.Span().Class("symbol").Text(q.Symbol),
		app.Span().Class("price").Text(formatPrice(q.Price)),
		app.Span().Class("change "+dir).
			Aria("label", "change "+formatChange(q.Change, q.ChangePct)).
			Body(
				app.Span().Class("arrow").Aria("hidden", "true").Text(arrow(q.Change)),
				app.Text(" "+formatChange(q.Change, q.ChangePct)),
			),
		sparkline(series, dir),
	)
}

// sparkline draws series as an inline SVG line.
func sparkline(series []float64, dir string) app.UI {
	const ns = "http://www.w3.org/2000/svg"
	return app.Elem("svg").XMLNS(ns).Class("spark "+dir).
		Attr("viewBox", "0 0 120 32").
		Attr("preserveAspectRatio", "none").
		Aria("hidden", "true").
		Body(
			app.Elem("path").XMLNS(ns).
				Attr("d", sparklinePath(series, sparkWidth, sparkHeight)).
				Attr("fill", "none").
				Attr("vector-effect", "non-scaling-stroke"),
		)
}
