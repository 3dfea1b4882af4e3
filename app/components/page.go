package components

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// page is the whole UI. It holds the browser's one event stream and hands
// its events to the features through bus; the ticker, the presence list,
// the room list, the reactions and the typing indicator own their state
// and subscribe to their kinds. The page keeps the current room's messages
// and outbox, the joined rooms and their unread counts, the session and
// the connection. Every field is read and written on the UI goroutine
// only: JavaScript callbacks copy their values and ctx.Dispatch.
type page struct {
	app.Compo

	room    string
	session session
	err     string

	messages []tt.ChatMessage
	more     bool
	// latestDue: loading the room's latest page failed and is retried;
	// latestReplace: that load was a resync, which replaces the list.
	latestDue, latestReplace bool
	// resyncing: the server said the list may hold a gap (resync), and
	// the room's latest page has not replaced it yet; meanwhile the room
	// is not cached, so a reload resumes from before the gap.
	resyncing   bool
	loadingOld  bool
	lastEventID string
	joined      []string    // the rooms the browser's stream carries, as last read
	unread      unreadState // as last read: shared by the tabs
	badge       int         // the count last put on the app badge

	outbox chatOutbox

	conn      connection
	stream    *sharedStream
	events    *eventQueue // the stream's; a batch of another is stale
	listeners []windowListener
	stop      context.CancelFunc
	st        store
	bus       *eventBus // the stream's events, typed, for every feature
	unsubs    []func()
}

func newPage() *page {
	return &page{room: tt.DefaultRoom, conn: newConnection(), bus: newEventBus()}
}

// OnPreRender picks the room from the URL so the server's HTML names it.
func (p *page) OnPreRender(ctx app.Context) { p.room = roomFromPath(ctx.Page().URL().Path) }

// OnMount starts everything: cached state first, then session, stream,
// timers and listeners.
func (p *page) OnMount(ctx app.Context) { p.mount(ctx) }

// OnNav switches rooms when the path names another one.
func (p *page) OnNav(ctx app.Context) { p.navigate(ctx) }

// OnDismount writes the offline cache, closes the stream and releases
// every JavaScript callback.
func (p *page) OnDismount() { p.dismount() }

func (p *page) Render() app.UI {
	return app.Div().ID("app").Class("layout").Body(
		app.Header().Class("topbar").Body(
			app.H1().Class("brand").Text("Tickertalk"),
			&statusBadge{Status: p.conn.status, Stream: p.stream.role()},
			app.Bdi().ID("me").Class("me").Dir("auto").Text(p.session.nick),
			&pwaPrompts{},
		),
		app.P().ID("error").Class("error").Role("alert").Text(p.err),
		app.Main().Class("panes").Body(
			&tickerView{Bus: p.bus},
			app.Section().Class("chat").Aria("label", "chat").Body(
				&roomList{Bus: p.bus, Current: p.room, Joined: p.joined, Unread: p.unread},
				app.Div().Class("room-view").Body(
					app.H2().ID("room-title").Text("#"+p.room),
					&messageList{
						Bus:      p.bus,
						Room:     p.room,
						Messages: p.messages,
						Pending:  p.outbox.shown(p.room, p.messages),
						More:     p.more,
						Loading:  p.loadingOld,
						Nick:     p.session.nick,
					},
					&typingView{Bus: p.bus, Room: p.room, Nick: p.session.nick},
					testView(p.bus, p.room),
					app.If(p.session.needNick, func() app.UI {
						return &nickPrompt{Error: p.session.err, Busy: p.session.busy}
					}).Else(func() app.UI {
						return &composer{Room: p.room}
					}),
				),
				&presenceList{Bus: p.bus, Room: p.room},
			),
		),
	)
}
