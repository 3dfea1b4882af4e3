package components

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// pwaPrompts shows an "Install" button while the browser offers to install
// the app, and a "New version — reload" button once go-app has fetched an
// update in the background.
type pwaPrompts struct {
	app.Compo

	installable bool
	updatable   bool
}

func (p *pwaPrompts) OnMount(ctx app.Context) {
	p.installable = ctx.IsAppInstallable()
	p.updatable = ctx.AppUpdateAvailable()
}

func (p *pwaPrompts) OnAppInstallChange(ctx app.Context) { p.installable = ctx.IsAppInstallable() }

func (p *pwaPrompts) OnAppUpdate(ctx app.Context) { p.updatable = ctx.AppUpdateAvailable() }

func (p *pwaPrompts) Render() app.UI {
	return app.Span().Class("pwa").Body(
		app.If(p.installable, func() app.UI {
			return app.Button().ID("install").Class("ghost").OnClick(p.install).Text("Install")
		}),
		app.If(p.updatable, func() app.UI {
			return app.Button().ID("update").OnClick(p.reload).Text("New version — reload")
		}),
	)
}

func (p *pwaPrompts) install(ctx app.Context, e app.Event) { ctx.ShowAppInstallPrompt() }

func (p *pwaPrompts) reload(ctx app.Context, e app.Event) { ctx.Reload() }
