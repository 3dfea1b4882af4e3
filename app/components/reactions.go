package components

import (
	"slices"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// reactions is the reaction feature of a room's message list: the tallies
// of the room, folded with [tt.Tally] from its [tt.KindReaction] events in
// log order, whatever brought them (the stream, a replay, scrollback, the
// offline cache: see [Durable]), and the toggles that publish a person's
// reaction. The list calls it on the UI goroutine only.
type reactions struct {
	room    string
	version [2]int // of the room's durable events and the outbox, folded
	tallies map[string]map[string][]string
	err     string // the last reaction the server refused, shown once
}

// of returns the tallies of room, folded again only when its events
// changed.
func (r *reactions) of(b *eventBus, room string) map[string]map[string][]string {
	if b == nil {
		return nil
	}
	b.durable.load(b.st, room)
	if v := [2]int{b.durable.version[room], b.outboxVersion}; r.tallies == nil || r.room != room || r.version != v {
		evs := Durable(b, tt.KindReaction, room)
		list := make([]tt.Reaction, len(evs))
		for i, e := range evs {
			list[i] = e.V
		}
		// The reactions still in the outbox count as the server will:
		// after every stored one.
		list = append(list, Pending(b, tt.KindReaction, room)...)
		r.room, r.version, r.tallies = room, v, tt.Tally(list)
	}
	return r.tallies
}

// toggle publishes nick's reaction with emoji to the message, through the
// outbox (see [Enqueue]): on when nick's is not counted, else taken back.
// It counts at once, offline too, and is sent when the connection allows.
func (r *reactions) toggle(ctx app.Context, b *eventBus, room, messageID, emoji, nick string) {
	if nick == "" {
		return
	}
	mine := slices.Contains(r.tallies[messageID][emoji], nick)
	v := tt.Reaction{Room: room, MessageID: messageID, Emoji: emoji, On: !mine, Nick: nick}
	r.err = ""
	Enqueue(ctx, b, tt.KindReaction, room, v, func(resp response) {
		r.err = "reaction not sent: " + resp.sentence()
	})
}

// reactionRow renders the reactions of message id under it: a button per
// offered emoji ([tt.Emojis], in that order) with its count, pressed when
// nick's is among them. Emojis nobody chose are offered out of the Tab
// order, to keep a long list quick to cross with the keyboard.
//
// click gets the clicked button as ctx.JSSrc(), whose data-message and
// data-emoji say what was clicked: go-app keeps the first handler of an
// element while its code is the same, so a handler must not capture the
// row's values.
func reactionRow(id string, tally map[string][]string, nick string, click app.EventHandler) app.UI {
	return app.Div().Class("reactions").DataSet("message", id).Body(
		app.Range(tt.Emojis).Slice(func(i int) app.UI {
			emoji := tt.Emojis[i]
			who := tally[emoji]
			mine := nick != "" && slices.Contains(who, nick)
			n := len(who)
			b := app.Button().Type("button").Class(reactionClass(n, mine)).
				DataSet("message", id).
				DataSet("emoji", emoji).
				DataSet("count", n).
				Aria("pressed", strconv.FormatBool(mine)).
				Aria("label", reactionLabel(emoji, who)).
				Title(strings.Join(who, ", ")).
				OnClick(click).
				Body(
					app.Span().Class("emoji").Aria("hidden", "true").Text(emoji),
					app.If(n > 0, func() app.UI {
						return app.Span().Class("n").Text(n)
					}),
				)
			if n == 0 {
				b = b.TabIndex(-1)
			}
			return b
		}),
	)
}

func reactionClass(n int, mine bool) string {
	switch {
	case mine:
		return "reaction counted mine"
	case n > 0:
		return "reaction counted"
	}
	return "reaction"
}

// reactionLabel names a reaction button for screen readers.
func reactionLabel(emoji string, who []string) string {
	if len(who) == 0 {
		return "react " + emoji
	}
	return emoji + " " + strconv.Itoa(len(who)) + ": " + strings.Join(who, ", ")
}
