package components

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// presenceList shows who is online in the current room: the count (also
// in data-count) and the names the server sent (capped for large rooms).
type presenceList struct {
	app.Compo

	Presence tt.Presence
}

func (p *presenceList) Render() app.UI {
	names := p.Presence.Online
	return app.Aside().ID("presence").Class("presence").
		DataSet("count", p.Presence.Count).
		Aria("label", "who is online").
		Body(
			app.H2().Text(onlineLabel(p.Presence.Count)),
			app.Ul().Body(
				app.Range(names).Slice(func(i int) app.UI {
					return app.Li().Class("who").Dir("auto").Text(names[i])
				}),
			),
			app.If(p.Presence.Count > len(names), func() app.UI {
				return app.P().Class("more").Text("and " + strconv.Itoa(p.Presence.Count-len(names)) + " more")
			}),
		)
}

func onlineLabel(n int) string {
	return strconv.Itoa(n) + " online"
}
