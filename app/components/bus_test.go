package components

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// sse makes the sseEvent of v, an event of kind name with id.
func sse(t *testing.T, name, id string, v any) sseEvent {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return sseEvent{Name: name, Data: string(data), LastEventID: id}
}

func TestBusDeliversTypedValuesInStreamOrder(t *testing.T) {
	grab := &contextOf{}
	load(t, grab)
	b := newEventBus()
	b.st = newStore(grab.ctx.LocalStorage())

	var got []string
	var batches [][]string
	Subscribe(grab.ctx, b, tt.KindReaction, func(_ app.Context, r tt.Reaction, id string) {
		got = append(got, "reaction "+id+" "+r.Emoji+" "+strconv.FormatBool(r.On))
	})
	unsubTyping := Subscribe(grab.ctx, b, tt.KindTyping, func(_ app.Context, v tt.Typing, id string) {
		got = append(got, "typing "+v.Nick+" "+id)
	})
	SubscribeBatch(grab.ctx, b, tt.KindMessage, func(_ app.Context, evs []Stored[tt.ChatMessage]) {
		var ids []string
		for _, e := range evs {
			ids = append(ids, e.ID+"="+e.V.Text)
		}
		batches = append(batches, ids)
	})

	b.publish([]sseEvent{
		sse(t, tt.EventMessage, "1", tt.ChatMessage{ID: "1", Room: "lobby", Text: "a"}),
		sse(t, "reaction", "2", tt.Reaction{Room: "lobby", MessageID: "1", Emoji: "👍", On: true, Nick: "ann"}),
		sse(t, "typing", "", tt.Typing{Room: "lobby", Nick: "ann"}),
		{Name: "not-declared", Data: "{}"},
		{Name: "reaction", Data: "not json", LastEventID: "3"},
		sse(t, tt.EventMessage, "4", tt.ChatMessage{ID: "4", Room: "lobby", Text: "b"}),
		sse(t, "reaction", "5", tt.Reaction{Room: "lobby", MessageID: "1", Emoji: "👍", On: false, Nick: "ann"}),
	})
	want := []string{"reaction 2 👍 true", "typing ann ", "reaction 5 👍 false"}
	if !slices.Equal(got, want) {
		t.Errorf("delivered %q, want %q", got, want)
	}
	if want := [][]string{{"1=a", "4=b"}}; !reflect.DeepEqual(batches, want) {
		t.Errorf("message batches %q, want %q (one batch, in order)", batches, want)
	}

	// The reactions are kept for the room, once each, and a new bus (an
	// offline reload) reads them back from the cache.
	b.publish([]sseEvent{sse(t, "reaction", "2", tt.Reaction{Room: "lobby", MessageID: "1", Emoji: "👍", On: true, Nick: "ann"})})
	check := func(step string, b *eventBus) {
		t.Helper()
		var ids []string
		for _, r := range Durable(b, tt.KindReaction, "lobby") {
			ids = append(ids, r.ID)
		}
		if !slices.Equal(ids, []string{"2", "5"}) {
			t.Errorf("%s: stored reactions %v, want 2 5", step, ids)
		}
	}
	check("live", b)
	b.st.flush()
	again := newEventBus()
	again.st = newStore(grab.ctx.LocalStorage())
	check("reloaded", again)

	got = nil
	unsubTyping()
	b.publish([]sseEvent{sse(t, "typing", "", tt.Typing{Room: "lobby", Nick: "ann"})})
	if len(got) != 0 {
		t.Errorf("delivered %q after unsubscribing", got)
	}
}

func TestDurableLogMerge(t *testing.T) {
	ev := func(id string) tt.StoredEvent {
		return tt.StoredEvent{Kind: "reaction", ID: id, Data: json.RawMessage(`{}`)}
	}
	ids := func(l durableLog) []string {
		var out []string
		for _, e := range l {
			out = append(out, e.ID)
		}
		return out
	}
	l := durableLog{ev("9"), ev("10")}.merge(ev("2"), ev("10"), ev(""), ev("100"))
	if got, want := ids(l), []string{"2", "9", "10", "100"}; !slices.Equal(got, want) {
		t.Errorf("merged %v, want %v (numeric order, each once, none without an id)", got, want)
	}
	var many []tt.StoredEvent
	for i := range maxDurablePerRoom + 10 {
		many = append(many, ev(strconv.Itoa(i+1)))
	}
	l = durableLog{}.merge(many...)
	if len(l) != maxDurablePerRoom || l[0].ID != "11" {
		t.Errorf("%d kept from %s, want the newest %d", len(l), l[0].ID, maxDurablePerRoom)
	}
}

func TestEventOutboxShowsSendsAndKeeps(t *testing.T) {
	grab := &contextOf{}
	load(t, grab)
	b := newEventBus()
	b.st = newStore(grab.ctx.LocalStorage())
	react := func(emoji string, on bool) tt.Reaction {
		return tt.Reaction{Room: "lobby", MessageID: "1", Emoji: emoji, On: on, Nick: "ann"}
	}
	var list reactions
	tallyOf := func() map[string][]string { return list.of(b, "lobby")["1"] }

	var refusals []int
	refused := func(r response) { refusals = append(refusals, r.Status) }
	Enqueue(grab.ctx, b, tt.KindReaction, "lobby", react("👍", true), refused)
	Enqueue(grab.ctx, b, tt.KindReaction, "lobby", react("🎉", true), refused)
	if got := tallyOf(); !reflect.DeepEqual(got, map[string][]string{"👍": {"ann"}, "🎉": {"ann"}}) {
		t.Errorf("tally while pending %v, want both counted", got)
	}
	// A reload (another bus on the same storage) finds them.
	again := newEventBus()
	again.st = b.st
	again.outbox = again.stored()
	if got := Pending(again, tt.KindReaction, "lobby"); len(got) != 2 || got[0].Emoji != "👍" {
		t.Errorf("pending after a reload %+v, want both in order", got)
	}

	first, second := b.outbox[0], b.outbox[1]
	b.answered(grab.ctx, first, response{Err: errNetwork})
	b.answered(grab.ctx, first, response{Status: 503})
	b.answered(grab.ctx, first, response{Status: 429})
	if len(b.outbox) != 2 {
		t.Fatalf("%d pending after failures the same request may get past, want 2", len(b.outbox))
	}
	b.answered(grab.ctx, first, response{Status: 201, Body: []byte(`{"id":"7"}`)})
	if len(b.outbox) != 1 || b.outbox[0].Req.ClientID != second.Req.ClientID {
		t.Fatalf("outbox %+v after the first was stored, want the second alone", b.outbox)
	}
	if got := Durable(b, tt.KindReaction, "lobby"); len(got) != 1 || got[0].ID != "7" || got[0].V.Emoji != "👍" {
		t.Errorf("stored reactions %+v, want the answered one with its id 7", got)
	}
	b.answered(grab.ctx, second, response{Status: 422, Body: []byte(`{"error":"no","code":"invalid_reaction"}`)})
	if len(b.outbox) != 0 || !slices.Equal(refusals, []int{422}) {
		t.Errorf("outbox %+v, refusals %v after a 422; want it dropped and told", b.outbox, refusals)
	}
	if got := tallyOf(); !reflect.DeepEqual(got, map[string][]string{"👍": {"ann"}}) {
		t.Errorf("tally %v, want the stored one only", got)
	}
}
