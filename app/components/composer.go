package components

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// countFrom is the length from which the composer shows its character count.
const countFrom = 1800

// composer is the message form: a textarea where Enter sends and
// Shift+Enter starts a new line, a send button disabled while the text is
// blank, and a character count past 1,800 of 2,000 characters. It posts
// [actionSend] with the text and clears itself.
//
// While its person types it signals [tt.KindTyping] in Room (see
// [typingSender]).
type composer struct {
	app.Compo

	Room string

	text   string
	typing typingSender
}

func (c *composer) Render() app.UI {
	n := utf8.RuneCountInString(strings.TrimSpace(c.text)) // as the server counts
	return app.Form().Class("composer").OnSubmit(c.onSubmit).Body(
		app.Label().For("composer").Class("visually-hidden").Text("Message"),
		app.Textarea().ID("composer").
			Rows(2).
			Placeholder("Write a message (Shift+Enter for a new line)").
			Aria("label", "message").
			OnInput(c.onInput).
			OnKeyDown(c.onKeyDown),
		app.If(n > countFrom, func() app.UI {
			return app.Span().ID("count").Class(countClass(n)).Aria("live", "polite").
				Text(strconv.Itoa(n) + " / " + strconv.Itoa(tt.MaxTextRunes))
		}),
		app.Button().ID("send").Type("submit").
			Disabled(!sendable(c.text)).
			Text("Send"),
	)
}

// sendable reports whether the server would take text: not blank, not too
// long once trimmed, no control characters.
func sendable(text string) bool {
	_, err := tt.NormalizeText(text)
	return err == nil
}

func countClass(n int) string {
	if n > tt.MaxTextRunes {
		return "count over"
	}
	return "count"
}

func (c *composer) onInput(ctx app.Context, e app.Event) {
	c.text = ctx.JSSrc().Get("value").String()
	if c.Room != "" && strings.TrimSpace(c.text) != "" && c.typing.typed(c.Room, time.Now()) {
		publish(tt.KindTyping, tt.Typing{Room: c.Room}, func(response) {}) // a lost signal is no matter
	}
}

func (c *composer) onKeyDown(ctx app.Context, e app.Event) {
	if e.Get("key").String() != "Enter" || e.Get("shiftKey").Bool() || e.Get("isComposing").Bool() {
		return
	}
	e.PreventDefault()
	c.text = ctx.JSSrc().Get("value").String()
	c.send(ctx)
}

func (c *composer) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	c.send(ctx)
}

// send posts the text, then clears the textarea through its DOM property
// (Value("") does not clear it in go-app v10.1.11).
func (c *composer) send(ctx app.Context) {
	if !sendable(c.text) {
		return
	}
	ctx.NewActionWithValue(actionSend, c.text)
	c.text = ""
	c.typing.sent()
	if el := app.Window().GetElementByID("composer"); el.Truthy() {
		el.Set("value", "")
		el.Call("focus")
	}
}
