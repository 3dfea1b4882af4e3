package components

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

func TestEventQueueDispatchesOncePerBatch(t *testing.T) {
	var q eventQueue
	dispatches := 0
	push := func(name string) {
		if q.push(sseEvent{Name: name}) {
			dispatches++
		}
	}
	push("a")
	push("b")
	push("c")
	if got := names(q.take()); dispatches != 1 || !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("first batch: %d dispatches, events %v; want 1 and a b c in order", dispatches, got)
	}
	if got := q.take(); len(got) != 0 {
		t.Fatalf("take after take: %v, want nothing", got)
	}
	push("d")
	if got := names(q.take()); dispatches != 2 || !slices.Equal(got, []string{"d"}) {
		t.Fatalf("second batch: %d dispatches, events %v; want 2 and d", dispatches, got)
	}
}

func names(evs []sseEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Name
	}
	return out
}

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
				event(tt.EventMessage, "", tt.ChatMessage{ID: "3", Room: "lobby", Nick: "bob", Text: "m3"}), // a duplicate
			)
		}
	}
	evs = append(evs, event(tt.EventPresence, "", tt.Presence{Online: []string{"bob"}, Count: 1}))

	p.onEvents(grab.ctx, "lobby", evs)

	if len(p.messages) != maxShownMessages {
		t.Fatalf("%d messages shown, want the newest %d", len(p.messages), maxShownMessages)
	}
	for i, m := range p.messages {
		if want := strconv.Itoa(n - maxShownMessages + 1 + i); m.ID != want {
			t.Fatalf("message %d has id %s, want %s (the newest, in order)", i, m.ID, want)
		}
	}
	if p.lastEventID != strconv.Itoa(n) {
		t.Errorf("last event id %q, want %d", p.lastEventID, n)
	}
	if c := p.st.room("lobby"); c.LastEventID != strconv.Itoa(n) || len(c.Messages) != maxCachedMessages ||
		c.Messages[maxCachedMessages-1].ID != strconv.Itoa(n) {
		t.Errorf("stored room: last id %q, %d messages; want %d and the newest %d", c.LastEventID, len(c.Messages), n, maxCachedMessages)
	}
	if len(p.quotes) != 1 || p.quotes[0].Price != 2 || !slices.Equal(p.series["ACME"], []float64{1, 2}) {
		t.Errorf("ticker %v, sparkline %v; want the last price 2 after 1", p.quotes, p.series["ACME"])
	}
	if p.presence.Room != "lobby" || p.presence.Count != 1 {
		t.Errorf("presence %+v, want bob in lobby", p.presence)
	}
	if p.status != statusLive {
		t.Errorf("status %q, want live", p.status)
	}

	// A batch of the previous room's stream changes nothing.
	p.onEvents(grab.ctx, "other", []sseEvent{event(tt.EventMessage, "100000", tt.ChatMessage{ID: "100000", Room: "other"})})
	if p.lastEventID != strconv.Itoa(n) || len(p.messages) != maxShownMessages {
		t.Errorf("a late batch of another room changed the page: last id %q, %d messages", p.lastEventID, len(p.messages))
	}
}
