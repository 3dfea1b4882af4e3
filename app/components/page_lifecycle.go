package components

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Periods of the page's background work.
const (
	tickEvery     = 3 * time.Second  // outbox retry, health probe, stream reopen
	roomsEvery    = 10 * time.Second // room list refresh
	historyPage   = 50               // messages per scrollback request
	maxSeriesSize = sparkPoints
)

// mount renders the cached state at once (an offline reload shows the last
// quotes and messages before the network answers), then starts the
// session check, the stream, the listeners and the timers.
func (p *page) mount(ctx app.Context) {
	p.st = newStore(ctx.LocalStorage())
	p.bus.st = p.st
	p.bus.outbox = p.bus.stored()
	p.room = roomFromPath(ctx.Page().URL().Path)
	p.outbox.pending = p.st.outbox()
	p.session.nick = p.st.nick()
	p.loadRoomCache()

	app.Window().Get("document").Get("body").Call("setAttribute", "data-wasm", "ready")

	ctx.Handle(actionSend, p.handleSend)
	ctx.Handle(actionOlder, p.handleOlder)
	ctx.Handle(actionNick, p.handleNick)
	ctx.Handle(actionJoin, p.handleJoin)
	ctx.Handle(actionLeave, p.handleLeave)

	// The cache is written on the JavaScript event loop when the page is
	// hidden or goes away: a dispatched write might run only after the page
	// is frozen or gone, and a reload would lose the last quotes and
	// messages seen. st is a copy, safe from there (see [coalescer]).
	st := p.st
	p.unread = st.unread()
	p.joinCurrent()
	p.listeners = []windowListener{
		// Another tab holds the stream from here on (see [sharedStream]).
		listenWindow("pagehide", func() { p.stream.suspend() }),
		listenWindowEvent("storage", func(e app.Value) {
			key := e.Get("key")
			if key.Type() != app.TypeString {
				return
			}
			k := key.String()
			if k == keyUnread || k == keyJoined {
				ctx.Dispatch(func(ctx app.Context) { p.onStorage(ctx, k) })
			}
		}),
		listenWindow("online", func() { ctx.Dispatch(p.resume) }),
		listenWindow("offline", func() { ctx.Dispatch(p.onOffline) }),
		listenWindow("pageshow", func() { ctx.Dispatch(p.resume) }),
		listenWindow("pagehide", st.flush),
		listenDocument("visibilitychange", func() {
			if documentHidden() {
				st.flush()
			}
		}),
	}
	if !browserOnline() {
		p.conn.status = statusOffline
	}

	p.checkSession(ctx)
	p.subscribe(ctx)
	p.startStream(ctx)
	p.editUnread(ctx, func(u unreadState) unreadState { return u.read(p.room, newestID(p.messages)) })
	p.startTimers(ctx)
}

// navigate switches to the room the URL names, if it changed.
func (p *page) navigate(ctx app.Context) {
	if p.st.s == nil {
		return // not mounted: server pre-rendering
	}
	room := roomFromPath(ctx.Page().URL().Path)
	if room == p.room {
		return
	}
	p.room = room
	p.err = ""
	p.loadRoomCache()
	p.joinCurrent()
	// The stream carried the room before (this tab showed another) or from
	// now on: its latest page fills what the cache lacks.
	p.loadLatest(ctx, false)
	p.editUnread(ctx, func(u unreadState) unreadState { return u.read(room, newestID(p.messages)) })
	p.scrollToBottom(ctx)
}

// dismount stops the timers, closes the stream, writes the cache and
// releases every JavaScript callback.
func (p *page) dismount() {
	p.st.flush()
	if p.stop != nil {
		p.stop()
	}
	p.stream.close()
	p.stream = nil
	for _, unsub := range p.unsubs {
		unsub()
	}
	p.unsubs = nil
	for _, l := range p.listeners {
		l.remove()
	}
	p.listeners = nil
}

// startTimers runs the periodic work until the page is dismounted.
func (p *page) startTimers(ctx app.Context) {
	p.stop = every(ctx, tickEvery, p.onTick)
}

// every dispatches f on the UI goroutine every d until the returned
// function is called or ctx ends.
func every(ctx app.Context, d time.Duration, f func(app.Context)) (stop context.CancelFunc) {
	c, stop := context.WithCancel(ctx)
	ctx.Async(func() {
		tick := time.NewTicker(d)
		defer tick.Stop()
		for {
			select {
			case <-c.Done():
				return
			case <-tick.C:
				ctx.Dispatch(f)
			}
		}
	})
	return stop
}

// onTick retries what may have failed: a stream the browser gave up on, the
// health probe while not live, the room's latest page, and the outbox. It
// keeps the stream's holder known to be alive (see [sharedStream.tick])
// and the room on screen joined.
func (p *page) onTick(ctx app.Context) {
	p.stream.tick()
	p.joinCurrent()
	if p.conn.status != statusLive {
		p.resume(ctx)
		return
	}
	if p.latestDue {
		p.latestDue = false // set again if this one fails too
		p.loadLatest(ctx, p.latestReplace)
	}
	p.sendOutbox(ctx)
}

// loadRoomCache shows the current room as it was last seen.
func (p *page) loadRoomCache() {
	c := p.st.room(p.room)
	// Not trusted to be sorted and unique (another build or tab wrote it);
	// a malformed id is the server's to answer, with a resync.
	p.messages = mergeMessages(nil, c.Messages...)
	p.lastEventID = c.LastEventID
	p.more = c.Older
	p.resyncing = false
	p.loadingOld = false
	p.latestDue, p.latestReplace = false, false
	p.outbox.pending = reconcile(p.outbox.pending, p.messages)
}
