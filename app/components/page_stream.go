package components

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// eventBatchDelay is how long the first event of a batch waits for the
// others. The browser hands each event to the page in a task of its own,
// and Go runs a dispatch before the next task: without the wait every
// event would be a batch of one. A replay of 2,000 messages then costs
// some hundred merges and scroll checks, not 2,000. In a visible tab a
// live message waits about a frame; browsers throttle the timers of hidden
// tabs (to a second, or a minute after a while), so there a batch holds
// that long a stretch of events, shown when the tab is looked at again.
const eventBatchDelay = 16 * time.Millisecond

// startStream joins the browser's one event stream (see [sharedStream]):
// its own EventSource when no other tab holds one, else the holder's
// relay. The stream carries every joined room and resumes after the last
// event id the browser saw (from localStorage on a reload; for a cache
// older than that id, the room's latest page fills the rest).
func (p *page) startStream(ctx app.Context) {
	events := &eventQueue{}
	p.events = events
	last := p.st.streamLast()
	if last == "" {
		last = p.lastEventID // a cache from a build that streamed one room
	}
	st := p.st
	p.stream = newSharedStream(last,
		func() []string { return streamRooms(st.joined()) },
		func(f func()) { ctx.Dispatch(func(app.Context) { f() }) },
		streamHooks{
			Event: func(ev sseEvent) {
				if events.push(ev) {
					ctx.After(eventBatchDelay, func(ctx app.Context) { p.onEvents(ctx, events) })
				}
			},
			Open:  func() { p.onOpen(ctx) },
			Error: func(rs int) { p.onStreamError(ctx, rs) },
			Start: func(own bool, after string) { p.onStreamStart(ctx, own, after) },
		})
	p.stream.start()
}

// onStreamStart loads the room's latest page when the tab's own stream
// does not replay everything after the room's cache: a tab that reads
// another's relay, or resumes from an id newer than its cache, would miss
// what lies between. A stream that resumes from nothing loads it once open
// instead (see onOpen): loaded before, it could miss what is said in
// between.
func (p *page) onStreamStart(ctx app.Context, own bool, after string) {
	if own && (after == "" || (p.lastEventID != "" && !idLess(p.lastEventID, after))) {
		return
	}
	p.loadLatest(ctx, false)
}

func (p *page) onOpen(ctx app.Context) {
	p.setLive()
	if p.stream.lastID() == "" {
		// Nothing to resume from: whatever was stored before the stream
		// opened comes from the API, the rest from the stream.
		p.loadLatest(ctx, false)
	}
	p.sendOutbox(ctx)
}

func (p *page) onStreamError(ctx app.Context, readyState int) {
	if p.conn.status == statusLive {
		p.conn.lostAt = time.Now()
	}
	p.conn.status = connStatus(browserOnline(), readyState, p.conn.healthy)
	p.probeHealth(ctx)
}

// probeHealth asks /healthz whether the server answers, to tell
// "reconnecting" (it does) from "offline" (it does not).
func (p *page) probeHealth(ctx app.Context) {
	// A unique query keeps any cache (service worker included) out of it.
	url := tt.PathHealth + "?t=" + strconv.FormatInt(time.Now().UnixNano(), 36)
	fetch("GET", url, nil, func(r response) {
		ctx.Dispatch(func(ctx app.Context) {
			p.conn.healthy = r.ok() || p.conn.inGrace()
			p.refreshStatus()
		})
	})
}

// setLive records a stream that opened or delivers: the server answers.
func (p *page) setLive() {
	p.conn.healthy = true
	p.conn.lostAt = time.Time{}
	p.conn.status = connStatus(browserOnline(), esOpen, true)
}

// refreshStatus derives the status from the browser's network, the stream
// and the last health probe.
func (p *page) refreshStatus() {
	p.conn.status = connStatus(browserOnline(), p.stream.readyState(), p.conn.healthy)
}

// resume gets the page going again after the network came back, the page
// came back from the back/forward cache (pagehide gave its stream up, see
// [sharedStream.suspend]) or a tick while not live: it takes part in the
// stream again (reopening a closed one from the last event id), asks the
// server's health, and sends the outbox.
func (p *page) resume(ctx app.Context) {
	p.stream.resume()
	p.refreshStatus()
	p.probeHealth(ctx)
	p.sendOutbox(ctx)
}

func (p *page) onOffline(ctx app.Context) {
	p.conn.status = statusOffline
}

// onEvents hands the events of the stream that arrived since the last call
// to the subscribers of their kinds (see [eventBus]), in order: a replay of
// thousands of messages costs one merge per batch, not one per message.
func (p *page) onEvents(ctx app.Context, events *eventQueue) {
	evs := events.take()
	if events != p.events || len(evs) == 0 {
		return
	}
	// Events come up to eventBatchDelay late: the stream may have failed
	// since, and only an open stream makes the page live.
	if p.conn.status != statusLive && p.stream.readyState() == esOpen {
		p.setLive()
	}
	p.bus.publish(evs)
	if last := p.stream.lastID(); last != "" {
		p.st.setStreamLast(last)
	}
}

// subscribe makes the page's features hear their kinds of the stream.
func (p *page) subscribe(ctx app.Context) {
	p.unsubs = append(p.unsubs,
		SubscribeBatch(ctx, p.bus, tt.KindMessage, p.onMessages),
		Subscribe(ctx, p.bus, tt.KindResync, p.onResync),
	)
}

// onMessages merges and caches the messages of the room on screen once for
// the whole batch, and counts those of the other joined rooms unread.
func (p *page) onMessages(ctx app.Context, evs []Stored[tt.ChatMessage]) {
	room := p.room
	var msgs, others []tt.ChatMessage
	lastID := p.lastEventID
	for _, ev := range evs {
		m := ev.V
		if m.Room != "" && m.Room != room {
			others = append(others, m)
			continue
		}
		msgs = append(msgs, m)
		if ev.ID != "" && idLess(lastID, ev.ID) {
			lastID = ev.ID
		}
	}
	if len(msgs) > 0 {
		p.lastEventID = lastID
		p.addMessages(ctx, msgs...) // and caches the room, with its id
	}
	p.editUnread(ctx, func(u unreadState) unreadState {
		return u.add(others, p.session.nick).read(room, newestID(p.messages))
	})
}

// onResync reloads the room on screen when the server says its list may
// hold a gap.
func (p *page) onResync(ctx app.Context, rs tt.Resync, _ string) {
	if rs.Room == "" || rs.Room == p.room {
		p.resyncing = true
		p.loadLatest(ctx, true)
	}
}
