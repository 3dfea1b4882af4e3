package components

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// nickPrompt asks for a nickname on the first visit. It posts [actionNick]
// with what was typed; the page answers through Error (the server's or the
// validator's sentence) and Busy while the request is in flight.
type nickPrompt struct {
	app.Compo

	Error string
	Busy  bool

	nick string
}

func (n *nickPrompt) Render() app.UI {
	return app.Form().ID("nick-form").Class("nick-form").OnSubmit(n.onSubmit).Body(
		app.Label().For("nick-input").Text("Choose a nickname to chat"),
		app.Div().Class("row").Body(
			app.Input().ID("nick-input").
				Type("text").
				Name("nick").
				Attr("autocomplete", "nickname").
				MaxLength(24).
				Placeholder("alice").
				Required(true).
				Aria("describedby", "nick-error").
				OnInput(n.onInput),
			app.Button().ID("nick-submit").Type("submit").Disabled(n.Busy).Text("Join"),
		),
		app.P().ID("nick-error").Class("field-error").Role("alert").Text(n.Error),
	)
}

func (n *nickPrompt) onInput(ctx app.Context, e app.Event) {
	n.nick = ctx.JSSrc().Get("value").String()
}

func (n *nickPrompt) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if el := app.Window().GetElementByID("nick-input"); el.Truthy() {
		n.nick = el.Get("value").String()
	}
	ctx.NewActionWithValue(actionNick, n.nick)
}
