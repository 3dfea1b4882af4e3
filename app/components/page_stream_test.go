package components

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// contextOf captures the app.Context the test engine gives a component.
type contextOf struct {
	app.Compo
	ctx app.Context
}

func (c *contextOf) OnPreRender(ctx app.Context) { c.ctx = ctx }
func (c *contextOf) Render() app.UI              { return app.Div() }

func TestOnEventsAppliesABatchInOrder(t *testing.T) {
	grab := &contextOf{}
	load(t, grab)
	p := newPage()
	p.st = newStore(grab.ctx.LocalStorage())
	p.bus.st = p.st
	p.subscribe(grab.ctx)
	ticker := &tickerView{Bus: p.bus}
	ticker.OnMount(grab.ctx)

	event := func(name, id string, v any) sseEvent {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return sseEvent{Name: name, Data: string(data), LastEventID: id}
	}
	var evs []sseEvent
	evs = append(evs, event(tt.EventUpdate, "", tt.TickerUpdate{Quotes: []tt.Quote{{Symbol: "ACME", Price: 1}}}))
	const n = 2 * maxShownMessages
	for i := 1; i <= n; i++ {
		id := strconv.Itoa(i)
		evs = append(evs, event(tt.EventMessage, id, tt.ChatMessage{ID: id, Room: "lobby", Nick: "bob", Text: "m" + id}))
		if i == n/2 {
			evs = append(evs,
				event(tt.EventUpdate, id, tt.TickerUpdate{Quotes: []tt.Quote{{Symbol: "ACME", Price: 2}}}),
				event(tt.EventMessage, id, tt.ChatMessage{ID: "99999", Room: "elsewhere", Nick: "bob", Text: "not here"}),
				event(tt.EventMessage, "", tt.ChatMessage{ID: strconv.Itoa(n - 1), Room: "lobby", Nick: "bob", Text: "early copy"}),
			)
		}
	}
	evs = append(evs, event(tt.EventPresence, "", tt.Presence{Room: "lobby", Online: []string{"bob"}, Count: 1}))

	// The stream failed after these events came (natively it never
	// opens): they are applied, and do not make the page live.
	p.conn.status = statusReconnecting
	queue := &eventQueue{}
	p.events = queue
	for _, ev := range evs {
		queue.push(ev)
	}
	p.onEvents(grab.ctx, queue)

	if len(p.messages) != maxShownMessages {
		t.Fatalf("%d messages shown, want the newest %d", len(p.messages), maxShownMessages)
	}
	for i, m := range p.messages {
		if want := strconv.Itoa(n - maxShownMessages + 1 + i); m.ID != want || m.Text != "m"+want {
			t.Fatalf("message %d is %s %q, want %s %q (the newest, in order, each once, the last copy)", i, m.ID, m.Text, want, "m"+want)
		}
	}
	if p.lastEventID != strconv.Itoa(n) {
		t.Errorf("last event id %q, want %d", p.lastEventID, n)
	}
	if c := p.st.room("lobby"); c.LastEventID != strconv.Itoa(n) || len(c.Messages) != maxCachedMessages ||
		c.Messages[maxCachedMessages-1].ID != strconv.Itoa(n) {
		t.Errorf("stored room: last id %q, %d messages; want %d and the newest %d", c.LastEventID, len(c.Messages), n, maxCachedMessages)
	}
	if len(ticker.quotes) != 1 || ticker.quotes[0].Price != 2 || !slices.Equal(ticker.series["ACME"], []float64{1, 2}) {
		t.Errorf("ticker %v, sparkline %v; want the last price 2 after 1", ticker.quotes, ticker.series["ACME"])
	}
	if pr, _ := Latest(p.bus, tt.KindPresence, "lobby"); pr.Room != "lobby" || pr.Count != 1 {
		t.Errorf("presence %+v, want bob in lobby", pr)
	}
	if p.conn.status != statusReconnecting {
		t.Errorf("status %q after a batch from a stream that is not open, want it left reconnecting", p.conn.status)
	}

	// A batch of a stream that is no longer the page's changes nothing.
	stale := &eventQueue{}
	stale.push(event(tt.EventMessage, "100000", tt.ChatMessage{ID: "100000", Room: "lobby"}))
	p.onEvents(grab.ctx, stale)
	if p.lastEventID != strconv.Itoa(n) || len(p.messages) != maxShownMessages {
		t.Errorf("a stale batch changed the page: last id %q, %d messages", p.lastEventID, len(p.messages))
	}
	if got := stale.take(); len(got) != 0 {
		t.Errorf("a stale batch was left queued: %d events", len(got))
	}
}

func TestResyncReplacesTheListAndCachesOnlyAfter(t *testing.T) {
	grab := &contextOf{}
	load(t, grab)
	p := newPage()
	p.st = newStore(grab.ctx.LocalStorage())
	msg := func(id string) tt.ChatMessage {
		return tt.ChatMessage{ID: id, Room: "lobby", Nick: "bob", Text: "m" + id}
	}
	ids := func(list []tt.ChatMessage) []string {
		out := make([]string, len(list))
		for i, m := range list {
			out[i] = m.ID
		}
		return out
	}
	p.messages = []tt.ChatMessage{msg("1"), msg("2")}
	p.lastEventID = "2"
	p.saveRoom()

	// A resync, then 9 from the stream before the room's page (7, 8) comes.
	p.resyncing = true
	p.messages = mergeMessages(p.messages, msg("9"))
	p.lastEventID = "9"
	p.saveRoom()
	if c := p.st.room("lobby"); c.LastEventID != "2" || !slices.Equal(ids(c.Messages), []string{"1", "2"}) {
		t.Fatalf("cached during the resync: last id %q, ids %v; want the room as before it (2; 1 2)", c.LastEventID, ids(c.Messages))
	}
	p.applyLatest(grab.ctx, tt.MessagePage{Messages: []tt.ChatMessage{msg("7"), msg("8")}, More: true}, true)
	if got := ids(p.messages); !slices.Equal(got, []string{"7", "8", "9"}) {
		t.Errorf("after the resync's page: ids %v, want 7 8 9 (the gap gone, the newer live message kept)", got)
	}
	if c := p.st.room("lobby"); p.resyncing || c.LastEventID != "8" || !slices.Equal(ids(c.Messages), []string{"7", "8", "9"}) || !c.Older {
		t.Errorf("cached after the resync: %+v (resyncing %v); want last id 8, ids 7 8 9, older", c, p.resyncing)
	}

	// A page that merges (no resync) while a failed resync is due leaves it due.
	p.latestDue, p.latestReplace = true, true
	p.applyLatest(grab.ctx, tt.MessagePage{Messages: []tt.ChatMessage{msg("9")}}, false)
	if !p.latestDue || !p.latestReplace {
		t.Errorf("a merge cleared the due resync: due %v, replace %v", p.latestDue, p.latestReplace)
	}
}
