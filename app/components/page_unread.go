package components

import (
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// joinCurrent puts the room on screen first among the joined rooms (the
// stream then carries it) and tells the holder of the stream when the set
// changed. A tick calls it too: another tab may have left the room, or
// pushed it out past tt.MaxStreamRooms.
func (p *page) joinCurrent() {
	stored := p.st.joined()
	if len(stored) > 0 && stored[0] == p.room {
		p.joined = stored
		return
	}
	p.joined = joinRoom(stored, p.room)
	p.st.setJoined(p.joined)
	if !slices.Equal(streamRooms(stored), streamRooms(p.joined)) {
		p.stream.roomsChanged(false, true)
	}
}

// handleLeave leaves a joined room: the stream stops carrying it and its
// unread count goes. The room on screen cannot be left.
func (p *page) handleLeave(ctx app.Context, a app.Action) {
	room, _ := a.Value.(string)
	if room == p.room {
		return
	}
	p.joined = leaveRoom(p.st.joined(), room)
	p.st.setJoined(p.joined)
	p.stream.roomsChanged(false, true)
	p.editUnread(ctx, func(u unreadState) unreadState { return u.forget(room) })
}

// editUnread applies edit to the unread counts as stored now (other tabs
// write them too), saves the result when it changed and shows it.
func (p *page) editUnread(ctx app.Context, edit func(unreadState) unreadState) {
	stored := p.st.unread()
	next := edit(stored)
	if !sameUnread(stored, next) {
		p.st.setUnread(next)
	}
	p.unread = next
	p.showUnread(ctx)
}

// onStorage takes the joined rooms and unread counts another tab wrote.
func (p *page) onStorage(ctx app.Context, key string) {
	switch key {
	case keyUnread:
		p.unread = p.st.unread()
		// Tabs update the counts by read-modify-write on localStorage,
		// which is not atomic across tabs: another tab may have counted a
		// message of the room on screen here after this tab marked it
		// read, and written over that. The tab showing the room marks it
		// read again, so every tab ends with it cleared.
		if n, _ := p.unread.counts(p.room); n > 0 {
			p.editUnread(ctx, func(u unreadState) unreadState { return u.read(p.room, newestID(p.messages)) })
			return
		}
		p.showUnread(ctx)
	case keyJoined:
		p.joined = p.st.joined()
		p.stream.roomsChanged(false, false)
	}
}

// showUnread puts the total unread count of the rooms not on screen in
// the title, "(3) Tickertalk", and on the installed app's badge where the
// browser has one.
func (p *page) showUnread(ctx app.Context) {
	n := p.unread.total(p.room)
	ctx.Page().SetTitle(titleWith(n))
	if n == p.badge || !app.IsClient {
		return
	}
	p.badge = n
	nav := app.Window().Get("navigator")
	if !nav.Get("setAppBadge").Truthy() {
		return
	}
	var promise app.Value
	if n == 0 {
		promise = nav.Call("clearAppBadge")
	} else {
		promise = nav.Call("setAppBadge", n)
	}
	// Refused where the app is not installed: not worth a console error.
	then(promise, func(app.Value) {}, func(string) {})
}

func sameUnread(a, b unreadState) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok || x.Read != y.Read || !slices.Equal(x.IDs, y.IDs) || !slices.Equal(x.Mentions, y.Mentions) {
			return false
		}
	}
	return true
}
