package components

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// tickerView shows every quote: symbol, price, change with an arrow in
// green or red, and a sparkline. Each quote keeps the same element
// structure from one update to the next, so a tick only rewrites text and
// attributes in place: no flicker.
type tickerView struct {
	app.Compo

	Quotes []tt.Quote
	Series map[string][]float64
}

func (t *tickerView) Render() app.UI {
	return app.Section().ID("ticker").Class("ticker").Aria("label", "market ticker").Body(
		app.If(len(t.Quotes) == 0, func() app.UI {
			return app.P().Class("ticker-empty").Text("waiting for quotes…")
		}),
		app.Ul().Class("quotes").Body(
			app.Range(t.Quotes).Slice(func(i int) app.UI {
				return quoteRow(t.Quotes[i], t.Series[t.Quotes[i].Symbol])
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
