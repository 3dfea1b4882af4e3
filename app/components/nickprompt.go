package components

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// nickPrompt asks for a nickname on the first visit. It posts [actionNick]
// with what was typed; the page answers through Error (the server's or the
// validator's sentence) and Busy while the request is in flight. The field
// is read when the form is submitted, so typing renders nothing.
type nickPrompt struct {
	app.Compo

	Error string
	Busy  bool
}

func (n *nickPrompt) Render() app.UI {
	return app.Form().ID("nick-form").Class("nick-form").OnSubmit(n.onSubmit).Body(
		app.Label().For("nick-input").Text("Choose a nickname to chat"),
		app.Div().Class("row").Body(
			app.Input().ID("nick-input").
				Type("text").
				Name("nick").
				Attr("autocomplete", "nickname").
				MaxLength(tt.MaxNickRunes).
				Placeholder("alice").
				Required(true).
				Aria("describedby", "nick-error"),
			app.Button().ID("nick-submit").Type("submit").Disabled(n.Busy).Text("Join"),
		),
		app.P().ID("nick-error").Class("field-error").Role("alert").Text(n.Error),
	)
}

func (n *nickPrompt) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx.NewActionWithValue(actionNick, fieldValue("nick-input", false))
}

// fieldValue returns the value of the input with id ("" when there is
// none), and empties the input when clear is set.
func fieldValue(id string, clear bool) string {
	el := app.Window().GetElementByID(id)
	if !el.Truthy() {
		return ""
	}
	v := el.Get("value").String()
	if clear {
		el.Set("value", "")
	}
	return v
}
