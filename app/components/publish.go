package components

import (
	"fmt"

	tt "tickertalk/app"
)

// publish sends v, an event of kind k, to the server (POST tt.PathEvents)
// and calls done exactly once with the answer, on the JavaScript event
// loop: done must copy what it needs and ctx.Dispatch. A durable event
// gets a new client id, which makes a retry of the same request
// idempotent. The event reaches this page, like every other, on the
// stream.
func publish[T any](k tt.Kind[T], v T, done func(response)) {
	data, err := k.Encode(v)
	if err != nil {
		done(response{Err: fmt.Errorf("publishing %s: %w", k.Name(), err)})
		return
	}
	req := tt.EventRequest{Kind: k.Name(), Data: data}
	if k.Class() == tt.Durable {
		req.ClientID = newClientID()
	}
	fetch("POST", tt.PathEvents, req, done)
}
