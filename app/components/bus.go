package components

import (
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// eventBus is the typed side of the browser's one event stream: the page
// feeds it every batch of server-sent events, of every kind the registry
// declares (tt.KindNames), and it hands each event, decoded once, to the
// components that subscribed to its kind. A feature declares its kind in
// tickertalk/app and subscribes here; nothing names an event by hand.
//
// It also keeps what the features share: the offline cache (st) and the
// durable events of each room (see [durableStore]), so that replay,
// scrollback and an offline reload feed them the same way.
//
// It is used on the UI goroutine only.
type eventBus struct {
	st      store
	durable *durableStore
	latest  map[stateKey]any // the last value of each state kind and room
	subs    []*subscription
	nextSub int

	outbox        []pendingEvent // durable events not answered yet: see Enqueue
	outboxVersion int            // counts the outbox's changes, for memos
	sending       bool           // a POST of the outbox's first is under way
	refused       func(response) // tells the last enqueuer of a refusal
}

// subscription is one component's interest in one kind.
type subscription struct {
	id    int
	kind  string
	owner app.Context
	// take gets each decoded payload (a pointer to the kind's type) in
	// order; end, when set, runs once after a batch that reached take.
	take func(ctx app.Context, v any, id string)
	end  func(ctx app.Context)
}

func newEventBus() *eventBus {
	return &eventBus{durable: newDurableStore(), latest: make(map[stateKey]any)}
}

// Subscribe calls f with every event of kind k that the stream brings from
// now on, decoded, with its SSE id ("" for kinds that carry none), in
// stream order, on the UI goroutine; ctx is the subscriber's, and its
// component is updated after each batch that reached it. Replays after a
// reconnect come through f like live events: a durable kind's subscriber
// dedups by id (see [durableLog], [Durable]). Events that fail to decode
// are logged and skipped. The returned function unsubscribes; call it in
// OnDismount.
func Subscribe[T any](ctx app.Context, b *eventBus, k tt.Kind[T], f func(ctx app.Context, v T, id string)) (unsubscribe func()) {
	return b.subscribe(ctx, k.Name(), func(ctx app.Context, v any, id string) {
		if p, ok := v.(*T); ok {
			f(ctx, *p, id)
		}
	}, nil)
}

// SubscribeBatch is [Subscribe] for a subscriber that handles a batch of
// events at once (a replay of thousands of messages is merged once): f
// gets the events of kind k of each batch of the stream, in stream order,
// after the batch's other subscribers saw them.
func SubscribeBatch[T any](ctx app.Context, b *eventBus, k tt.Kind[T], f func(ctx app.Context, evs []Stored[T])) (unsubscribe func()) {
	var batch []Stored[T]
	return b.subscribe(ctx, k.Name(), func(_ app.Context, v any, id string) {
		if p, ok := v.(*T); ok {
			batch = append(batch, Stored[T]{ID: id, V: *p})
		}
	}, func(ctx app.Context) {
		evs := batch
		batch = nil
		f(ctx, evs)
	})
}

// stopFunc ends what a component started, such as a subscription (the
// function [Subscribe] returns); stop does nothing when it is nil.
type stopFunc func()

func (f stopFunc) stop() {
	if f != nil {
		f()
	}
}

func (b *eventBus) subscribe(ctx app.Context, kind string, take func(app.Context, any, string), end func(app.Context)) func() {
	if b == nil {
		return func() {}
	}
	b.nextSub++
	s := &subscription{id: b.nextSub, kind: kind, owner: ctx, take: take, end: end}
	b.subs = append(b.subs, s)
	return func() { b.unsubscribe(s.id) }
}

func (b *eventBus) unsubscribe(id int) {
	for i, s := range b.subs {
		if s.id == id {
			b.subs = append(b.subs[:i:i], b.subs[i+1:]...)
			return
		}
	}
}

// publish decodes evs, in order, and hands each to the subscribers of its
// kind; the last value of a state kind ([Latest]) and the durable events
// of rooms ([Durable]) are kept first, so that a subscriber reading them
// sees the event it is told of. Each
// subscriber's component is updated once, after the batch.
func (b *eventBus) publish(evs []sseEvent) {
	var touched []app.Context
	var ended []*subscription
	subs := b.subs // a subscriber may unsubscribe while being called
	for _, ev := range evs {
		info, ok := tt.LookupKind(ev.Name)
		if !ok {
			continue
		}
		v, err := info.Decode([]byte(ev.Data))
		if err != nil {
			app.Logf("%v", err)
			continue
		}
		switch {
		case info.Class == tt.State:
			b.latest[stateKey{info.Name, roomOf(v)}] = v
		case info.Class == tt.Durable && ev.Name != tt.EventMessage:
			b.durable.add(info.Name, roomOf(v), ev.LastEventID, ev.Data)
		}
		for _, s := range subs {
			if s.kind != ev.Name {
				continue
			}
			s.take(s.owner, v, ev.LastEventID)
			touched = addOwner(touched, s.owner)
			if s.end != nil && !slices.Contains(ended, s) {
				ended = append(ended, s)
			}
		}
	}
	b.durable.save(b.st)
	for _, s := range ended {
		s.end(s.owner)
	}
	for _, ctx := range touched {
		ctx.Update()
	}
}

// addOwner appends ctx unless its component is already listed.
func addOwner(list []app.Context, ctx app.Context) []app.Context {
	for _, c := range list {
		if c.Src() == ctx.Src() {
			return list
		}
	}
	return append(list, ctx)
}

// roomOf is the room a decoded payload names, "" for none.
func roomOf(v any) string {
	if r, ok := v.(tt.Roomed); ok {
		return r.EventRoom()
	}
	return ""
}

// addPage keeps the durable events of a scrollback page of room.
func (b *eventBus) addPage(room string, pg tt.MessagePage) {
	if b == nil || len(pg.Events) == 0 {
		return
	}
	b.durable.merge(room, pg.Events...)
	b.durable.save(b.st)
}

// Latest returns the last value of the state kind k in room ("" for a
// state of no room) that the stream brought, and whether one came.
func Latest[T any](b *eventBus, k tt.Kind[T], room string) (T, bool) {
	var zero T
	if b == nil {
		return zero, false
	}
	v, ok := b.latest[stateKey{k.Name(), room}].(*T)
	if !ok {
		return zero, false
	}
	return *v, true
}
