package components

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// messageList shows a room's messages oldest first, then the messages of
// the outbox still pending, greyed with "sending…". Texts are rendered as
// text nodes only, never as HTML. Each nick (a <bdi>) and each text has its
// own direction (dir="auto"): a right-to-left name or message reads as it
// should and cannot reorder what follows it on the page. A "load older" button at the top asks the
// page for the previous page of history while More is true.
//
// Under each stored message are its reactions (see [reactions]), heard on
// Bus for Room.
type messageList struct {
	app.Compo

	Bus      *eventBus
	Room     string
	Messages []tt.ChatMessage
	Pending  []pendingMsg
	More     bool
	Loading  bool
	Nick     string // shown on pending messages

	reactions reactions
	unsub     stopFunc
}

// OnMount hears the reactions: the list shows their new tallies.
func (l *messageList) OnMount(ctx app.Context) {
	l.unsub = Subscribe(ctx, l.Bus, tt.KindReaction, func(app.Context, tt.Reaction, string) {})
}

// OnDismount stops hearing the reactions.
func (l *messageList) OnDismount() {
	l.unsub.stop()
}

func (l *messageList) Render() app.UI {
	tallies := l.reactions.of(l.Bus, l.Room)
	return app.Div().ID("messages").Class("messages").
		Role("log").
		Aria("label", "messages").
		TabIndex(0).
		Body(
			app.If(l.More, func() app.UI {
				return app.Button().ID("older").Class("older").
					Disabled(l.Loading).
					OnClick(l.onOlder).
					Text(olderLabel(l.Loading))
			}),
			app.If(len(l.Messages) == 0 && len(l.Pending) == 0, func() app.UI {
				return app.P().Class("empty").Text("no messages yet: say hello")
			}),
			app.Range(l.Messages).Slice(func(i int) app.UI {
				return storedRow(l.Messages[i], l.Nick, tallies[l.Messages[i].ID], l.onReact)
			}),
			app.Range(l.Pending).Slice(func(i int) app.UI {
				return pendingRow(l.Pending[i], l.Nick)
			}),
			app.If(l.reactions.err != "", func() app.UI {
				return app.P().ID("reaction-error").Class("error").Role("alert").Text(l.reactions.err)
			}),
		)
}

// onReact toggles the reaction whose button was clicked (see
// [reactionRow]).
func (l *messageList) onReact(ctx app.Context, e app.Event) {
	data := ctx.JSSrc().Get("dataset")
	l.reactions.toggle(ctx, l.Bus, l.Room, data.Get("message").String(), data.Get("emoji").String(), l.Nick)
}

func (l *messageList) onOlder(ctx app.Context, e app.Event) {
	ctx.NewAction(actionOlder)
}

func olderLabel(loading bool) string {
	if loading {
		return "loading…"
	}
	return "load older messages"
}

// storedRow renders a message the server stored, marked when it mentions
// nick (and is not by nick), with its reactions.
func storedRow(m tt.ChatMessage, nick string, tally map[string][]string, react app.EventHandler) app.UI {
	class := "msg"
	if m.Nick != nick && mentions(m.Text, nick) {
		class = "msg mention"
	}
	return app.Article().Class(class).DataSet("id", m.ID).Body(
		app.Bdi().Class("nick").Dir("auto").Text(m.Nick),
		app.Time().Class("time").DateTime("%s", m.Time.Format(time.RFC3339)).Text(formatClock(m.Time, time.Local)),
		app.P().Class("text").Dir("auto").Text(m.Text),
		reactionRow(m.ID, tally, nick, react),
	)
}

// pendingRow renders a message of the outbox: same structure as a stored
// one, so that its replacement updates it in place.
func pendingRow(p pendingMsg, nick string) app.UI {
	return app.Article().Class("msg pending").DataSet("pending", "true").Body(
		app.Bdi().Class("nick").Dir("auto").Text(nick),
		app.Time().Class("time").DateTime("%s", p.Created.Format(time.RFC3339)).Text("sending…"),
		app.P().Class("text").Dir("auto").Text(p.Text),
	)
}
