package components

import (
	"encoding/json"
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// keyEventOutbox holds the durable events (other than messages) published
// and not yet answered.
const keyEventOutbox = "tt/event-outbox"

// pendingEvent is a durable event a feature published that the server has
// not answered yet: kept in localStorage, sent in order when the
// connection allows, shown meanwhile (see [Pending]). Its client id makes
// every retry idempotent.
type pendingEvent struct {
	Room string          `json:"room"`
	Req  tt.EventRequest `json:"req"`
}

// Enqueue publishes v, an event of the durable kind k of room, through the
// outbox: it is kept (across reloads) and shown by [Pending] until the
// server answers, sent now and retried (same client id: stored at most
// once) when the stream opens, the network returns or on the page's tick.
// A refusal (4xx) drops it and is told to refused on the UI goroutine. v
// should name its sender as the server will (the person's nick), so that
// what is shown while pending is what comes back.
func Enqueue[T any](ctx app.Context, b *eventBus, k tt.Kind[T], room string, v T, refused func(response)) {
	data, err := k.Encode(v)
	if err != nil || b == nil {
		app.Logf("enqueue %s: %v", k.Name(), err)
		return
	}
	b.outbox = append(b.stored(), pendingEvent{Room: room, Req: tt.EventRequest{Kind: k.Name(), Data: data, ClientID: newClientID()}})
	b.refused = refused
	b.outboxChanged(k.Name())
	b.sendOutbox(ctx)
}

// Pending returns the events of kind k of room that wait in the outbox, in
// the order they were published.
func Pending[T any](b *eventBus, k tt.Kind[T], room string) []T {
	if b == nil {
		return nil
	}
	var out []T
	for _, p := range b.outbox {
		if p.Room != room || p.Req.Kind != k.Name() {
			continue
		}
		if v, err := k.Decode(p.Req.Data); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// stored is the outbox as kept in localStorage (another tab may have
// added to it), merged with this tab's by client id.
func (b *eventBus) stored() []pendingEvent {
	if b.st.s == nil {
		return b.outbox
	}
	var saved []pendingEvent
	b.st.getNow(keyEventOutbox, &saved)
	out := slices.Clone(saved)
	for _, p := range b.outbox {
		if !slices.ContainsFunc(out, func(q pendingEvent) bool { return q.Req.ClientID == p.Req.ClientID }) {
			out = append(out, p)
		}
	}
	return out
}

// outboxChanged saves the outbox and updates the components that show
// events of kind.
func (b *eventBus) outboxChanged(kind string) {
	b.outboxVersion++
	if b.st.s != nil {
		b.st.set(keyEventOutbox, b.outbox)
	}
	for _, s := range b.subs {
		if s.kind == kind {
			s.owner.Update()
		}
	}
}

// sendOutbox sends the oldest pending event, one at a time and in order;
// each answer sends the next. An event without an answer, or answered
// 401, 429 or 5xx, stays first in line for the next call.
func (b *eventBus) sendOutbox(ctx app.Context) {
	if b == nil || b.sending || len(b.outbox) == 0 {
		return
	}
	p := b.outbox[0]
	b.sending = true
	fetch("POST", tt.PathEvents, p.Req, func(r response) {
		ctx.Dispatch(func(ctx app.Context) { b.answered(ctx, p, r) })
	})
}

// answered handles the server's answer to the POST of p.
func (b *eventBus) answered(ctx app.Context, p pendingEvent, r response) {
	b.sending = false
	if r.transient() || r.Status == 401 || r.Status == 429 {
		return
	}
	var reply tt.EventReply
	if r.decode(&reply) == nil && reply.ID != "" {
		// Stored: shown from the durable events at once, as the stream
		// will bring it (the same id once).
		b.durable.merge(p.Room, tt.StoredEvent{Kind: p.Req.Kind, ID: reply.ID, Data: json.RawMessage(p.Req.Data)})
		b.durable.save(b.st)
	}
	if !r.ok() && b.refused != nil {
		b.refused(r)
	}
	b.outbox = slices.DeleteFunc(b.stored(), func(q pendingEvent) bool { return q.Req.ClientID == p.Req.ClientID })
	b.outboxChanged(p.Req.Kind)
	b.sendOutbox(ctx)
}
