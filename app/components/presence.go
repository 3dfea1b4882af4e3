package components

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// presenceList shows who is online in Room: the count (also in
// data-count) and the names the server sent (capped for large rooms), as
// the last [tt.KindPresence] of the room heard on Bus says.
type presenceList struct {
	app.Compo

	Bus  *eventBus
	Room string

	unsub stopFunc
}

// OnMount hears the presences: the list shows each change.
func (p *presenceList) OnMount(ctx app.Context) {
	p.unsub = Subscribe(ctx, p.Bus, tt.KindPresence, func(app.Context, tt.Presence, string) {})
}

// OnDismount stops hearing them.
func (p *presenceList) OnDismount() {
	p.unsub.stop()
}

func (p *presenceList) Render() app.UI {
	pr, _ := Latest(p.Bus, tt.KindPresence, p.Room)
	names := pr.Online
	return app.Aside().ID("presence").Class("presence").
		DataSet("count", pr.Count).
		Aria("label", "who is online").
		Body(
			app.H2().Text(onlineLabel(pr.Count)),
			app.Ul().Body(
				app.Range(names).Slice(func(i int) app.UI {
					return app.Li().Class("who").Dir("auto").Text(names[i])
				}),
			),
			app.If(pr.Count > len(names), func() app.UI {
				return app.P().Class("more").Text("and " + strconv.Itoa(pr.Count-len(names)) + " more")
			}),
		)
}

func onlineLabel(n int) string {
	return strconv.Itoa(n) + " online"
}
