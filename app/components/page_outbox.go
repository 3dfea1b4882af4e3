package components

import (
	"slices"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// chatOutbox is the chat messages this tab sends and how the sending
// goes: the messages not yet stored (persisted, shared with the person's
// other tabs), the line's state, and the error it shows. The page owns it
// and reads and writes it on the UI goroutine only.
type chatOutbox struct {
	pending    []pendingMsg
	unclaimed  []string // ids of our messages from the stream no answer claimed: see unclaimedShown
	sending    bool     // a POST is in flight, or the line waits for Retry-After
	reauthedID string   // clientId already retried once after a 401
	sendErr    string   // the transient send error shown, cleared by a success
}

// shown returns the messages to show as pending in room, given the stored
// messages the room shows: see [unclaimedShown].
func (o chatOutbox) shown(room string, stored []tt.ChatMessage) []pendingMsg {
	return unclaimedShown(pendingIn(o.pending, room), stored, o.unclaimed)
}

// handleSend puts the composer's text in the outbox (shown at once as
// pending, persisted so it survives a reload) and starts sending.
func (p *page) handleSend(ctx app.Context, a app.Action) {
	raw, _ := a.Value.(string)
	text, err := tt.NormalizeText(raw)
	if err != nil {
		p.err = err.Error()
		return
	}
	p.err = ""
	msg := pendingMsg{ClientID: newClientID(), Room: p.room, Text: text, Created: time.Now()}
	p.editOutbox(func(o []pendingMsg) []pendingMsg { return append(o, msg) })
	p.scrollToBottom(ctx)
	p.sendOutbox(ctx)
}

// sendOutbox sends the oldest pending message, one at a time and in order; each
// answer sends the next. The features' durable events go too (see
// [eventBus.sendOutbox]). A message that got no answer stays first in line
// and is retried (same clientId: the server stores it at most once) when
// the connection returns, the stream opens, or on the next tick.
func (p *page) sendOutbox(ctx app.Context) {
	p.bus.sendOutbox(ctx) // the other durable events, in their own line
	if p.outbox.sending || !p.session.signedIn() {
		return
	}
	msg, ok := nextToSend(p.outbox.pending)
	if !ok {
		return
	}
	p.outbox.sending = true
	fetch("POST", tt.PathSend, msg.request(), func(r response) {
		ctx.Dispatch(func(ctx app.Context) { p.sent(ctx, msg, r) })
	})
}

// sent handles the answer to the POST of msg.
func (p *page) sent(ctx app.Context, msg pendingMsg, r response) {
	p.outbox.sending = false
	var stored tt.ChatMessage
	switch {
	case r.decode(&stored) == nil:
		p.editOutbox(func(o []pendingMsg) []pendingMsg { return markSent(o, msg.ClientID, stored.ID, time.Now()) })
		if stored.Room == p.room && stored.ID != "" {
			p.addMessages(ctx, stored)
		}
		if p.err == p.outbox.sendErr {
			p.err = "" // the transient send error is over
		}
		p.sendOutbox(ctx)

	case r.Err != nil:
		p.err = r.sentence() + ": it will be sent when the connection returns"
		p.outbox.sendErr = p.err

	case r.transient(): // stays pending, retried on the next tick
		p.err = r.sentence() + ": it will be sent again shortly"
		p.outbox.sendErr = p.err

	case r.Status == 401 && p.outbox.reauthedID != msg.ClientID:
		p.outbox.reauthedID = msg.ClientID
		if nick := p.st.nick(); nick != "" {
			p.createSession(ctx, nick, p.sendOutbox)
			return
		}
		p.session.needNick = true

	case r.Status == 401:
		p.session.needNick = true
		p.err = r.sentence()

	case r.Status == 429:
		p.err = r.sentence()
		p.outbox.sendErr = p.err
		p.outbox.sending = true // hold the line until Retry-After
		ctx.After(time.Duration(r.retryAfterSeconds())*time.Second, func(ctx app.Context) {
			p.outbox.sending = false
			p.sendOutbox(ctx)
		})

	default: // 400, 403, 413, 415, 422...: sending it again cannot succeed
		p.editOutbox(func(o []pendingMsg) []pendingMsg { o, _ = withoutClientID(o, msg.ClientID); return o })
		p.err = sendErrPrefix + r.sentence()
		p.sendOutbox(ctx)
	}
}

// editOutbox applies edit to the outbox, saves it and keeps it. Other tabs
// of the same person share the outbox in localStorage: edit gets this tab's
// outbox merged with the stored one ([mergeOutbox]), so that saving never
// drops a message another tab queued (and an offline reload of this tab
// still finds its own), and a message another tab sent is sent here too.
// What this tab already shows as stored (with its clientId) is marked
// sent: never shown twice, never sent again.
func (p *page) editOutbox(edit func([]pendingMsg) []pendingMsg) {
	p.outbox.pending = pruneSent(edit(reconcile(mergeOutbox(p.st.outbox(), p.outbox.pending), p.messages)), time.Now())
	p.st.setOutbox(p.outbox.pending)
	// A message the outbox records as sent is claimed.
	p.outbox.unclaimed = slices.DeleteFunc(p.outbox.unclaimed, func(id string) bool {
		return countPending(p.outbox.pending) == 0 || slices.ContainsFunc(p.outbox.pending, func(o pendingMsg) bool { return o.Sent == id })
	})
}

// sendErrPrefix starts the error shown for a message the server refused.
const sendErrPrefix = "message not sent: "
