package components

import (
	"slices"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// addMessages merges stored messages into the current room, drops their
// pending copies from the outbox, caches the room and keeps the view at the
// bottom if it was there. The list is cut to the newest maxShownMessages
// only while the view follows the bottom: older pages someone is reading
// stay on screen.
func (p *page) addMessages(ctx app.Context, msgs ...tt.ChatMessage) {
	follow := atBottom()
	p.messages = mergeMessages(p.messages, msgs...)
	if follow && len(p.messages) > maxShownMessages {
		p.messages = newest(p.messages, maxShownMessages)
		p.more = true
	}
	switch pending := countPending(p.outbox.pending); {
	case pending == 0:
	case countPending(reconcile(p.outbox.pending, msgs)) != pending:
		p.editOutbox(func(o []pendingMsg) []pendingMsg { return reconcile(o, msgs) })
	case fromNick(msgs, p.session.nick):
		// The stream says not whose message this is: it may be one of ours
		// that another tab sent (its record is in the shared outbox), or
		// one whose answer was lost (a retry gets the original at once).
		p.editOutbox(func(o []pendingMsg) []pendingMsg { return o })
		p.claimLater(msgs)
		p.sendOutbox(ctx)
	}
	p.saveRoom()
	if follow {
		p.scrollToBottom(ctx)
	}
}

// claimLater records the messages of ours among msgs that no sent record
// of the outbox claims, while any of ours is pending (see unclaimedShown).
func (p *page) claimLater(msgs []tt.ChatMessage) {
	if countPending(p.outbox.pending) == 0 {
		p.outbox.unclaimed = nil
		return
	}
	for _, m := range msgs {
		if m.Nick != p.session.nick || m.Room != p.room || slices.Contains(p.outbox.unclaimed, m.ID) ||
			slices.ContainsFunc(p.outbox.pending, func(o pendingMsg) bool { return o.Sent == m.ID }) {
			continue
		}
		p.outbox.unclaimed = append(p.outbox.unclaimed, m.ID)
	}
}

// fromNick reports whether one of msgs is by nick.
func fromNick(msgs []tt.ChatMessage, nick string) bool {
	for _, m := range msgs {
		if nick != "" && m.Nick == nick {
			return true
		}
	}
	return false
}

// saveRoom writes the room on screen to the offline cache, unless a resync
// is pending: the list may then hold a gap, which the cache must not keep
// (a reload resumes from the cache's older id and gets the resync again).
func (p *page) saveRoom() {
	if p.resyncing {
		return
	}
	p.st.setRoom(p.room, roomCache{LastEventID: p.lastEventID, Messages: p.messages, Older: p.more})
}

// loadLatest fetches the latest page of the room. With replace (a resync)
// it replaces the list, which may hold a gap; otherwise it merges. A failed
// load is due again ([page.latestDue]) and retried on the next tick.
func (p *page) loadLatest(ctx app.Context, replace bool) {
	room := p.room
	fetch("GET", messagesURL(room, "", historyPage), nil, func(r response) {
		ctx.Dispatch(func(ctx app.Context) {
			if room != p.room {
				return
			}
			var pg tt.MessagePage
			if err := r.decode(&pg); err != nil {
				app.Logf("loading the latest messages of %s: %v", room, err)
				p.latestDue = true
				p.latestReplace = p.latestReplace || replace
				return
			}
			p.applyLatest(ctx, pg, replace)
		})
	})
}

// applyLatest shows pg, the room's latest page. With replace (a resync)
// the messages shown before it go, as they may hold a gap, except those
// newer than pg that the stream brought since the server answered.
func (p *page) applyLatest(ctx app.Context, pg tt.MessagePage, replace bool) {
	if replace || !p.latestReplace { // a resync still due stays due
		p.latestDue, p.latestReplace = false, false
	}
	newestOfPage := newestID(pg.Messages)
	if replace {
		p.messages = newerThan(p.messages, newestOfPage)
		p.resyncing = false
	}
	if replace || idLess(p.lastEventID, newestOfPage) {
		p.lastEventID = newestOfPage
	}
	// Without more, the page holds the room's first message, and so every
	// message of the room that was shown before.
	p.more = pg.More
	p.bus.addPage(p.room, pg)
	p.addMessages(ctx, pg.Messages...)
	p.scrollToBottom(ctx)
}

// handleOlder loads the page before the oldest message shown, keeping the
// messages on screen where they are.
func (p *page) handleOlder(ctx app.Context, a app.Action) {
	if p.loadingOld {
		return
	}
	room, before := p.room, oldestID(p.messages)
	p.loadingOld = true
	fetch("GET", messagesURL(room, before, historyPage), nil, func(r response) {
		ctx.Dispatch(func(ctx app.Context) {
			if room != p.room {
				return
			}
			p.loadingOld = false
			var pg tt.MessagePage
			if err := r.decode(&pg); err != nil {
				p.err = "could not load older messages: " + r.sentence()
				return
			}
			height := scrollHeight()
			p.messages = mergeMessages(pg.Messages, p.messages...)
			p.more = pg.More
			p.bus.addPage(room, pg)
			p.saveRoom()
			ctx.Defer(func(app.Context) { keepScroll(height) })
		})
	})
}

// handleJoin navigates to the room typed in the room form.
func (p *page) handleJoin(ctx app.Context, a app.Action) {
	name, _ := a.Value.(string)
	name = strings.TrimSpace(name)
	if err := tt.ValidateRoom(name); err != nil {
		p.err = err.Error()
		return
	}
	p.err = ""
	ctx.Navigate(tt.PathRoomPage + name)
}

// messagesElem is the scrolling message list.
func messagesElem() app.Value { return app.Window().GetElementByID("messages") }

// atBottom reports whether the message list is scrolled to (near) its end.
func atBottom() bool {
	el := messagesElem()
	if !el.Truthy() {
		return true
	}
	gap := el.Get("scrollHeight").Float() - el.Get("scrollTop").Float() - el.Get("clientHeight").Float()
	return gap < 48
}

func scrollHeight() float64 {
	if el := messagesElem(); el.Truthy() {
		return el.Get("scrollHeight").Float()
	}
	return 0
}

// keepScroll keeps the same messages in view after older ones were added
// above them.
func keepScroll(oldHeight float64) {
	if el := messagesElem(); el.Truthy() {
		el.Set("scrollTop", el.Get("scrollTop").Float()+el.Get("scrollHeight").Float()-oldHeight)
	}
}

// scrollToBottom scrolls the list to its end once the DOM is updated.
func (p *page) scrollToBottom(ctx app.Context) {
	ctx.Defer(func(app.Context) {
		if el := messagesElem(); el.Truthy() {
			el.Set("scrollTop", el.Get("scrollHeight"))
		}
	})
}
