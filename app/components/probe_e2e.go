//go:build e2e

package components

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// testView is, in builds for the browser tests (-tags e2e), the list of the
// test-only [tt.KindProbe] events of room: subscribed through the bus like
// any feature, it shows each decoded field, so a test sees the kind arrive
// typed.
func testView(b *eventBus, room string) app.UI { return &probeList{Bus: b, Room: room} }

// probeList lists the probes of Room, from the stream, scrollback and the
// offline cache.
type probeList struct {
	app.Compo

	Bus  *eventBus
	Room string

	unsub stopFunc
}

// OnMount hears the probes.
func (p *probeList) OnMount(ctx app.Context) {
	p.unsub = Subscribe(ctx, p.Bus, tt.KindProbe, func(app.Context, tt.Probe, string) {})
}

// OnDismount stops hearing them.
func (p *probeList) OnDismount() {
	p.unsub.stop()
}

func (p *probeList) Render() app.UI {
	probes := Durable(p.Bus, tt.KindProbe, p.Room)
	return app.Ol().ID("e2e-probe").Body(
		app.Range(probes).Slice(func(i int) app.UI {
			v := probes[i].V
			return app.Li().DataSet("id", probes[i].ID).DataSet("n", v.N).DataSet("nick", v.Nick).Text(v.Text)
		}),
	)
}
