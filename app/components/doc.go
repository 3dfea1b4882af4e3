// Package components is Tickertalk's user interface: go-app components for
// the ticker, the chat rooms, the connection status and the install and
// update prompts, compiled into app.wasm and pre-rendered by the server.
//
// go-app is imported under its documented name app and the shared
// vocabulary tickertalk/app as tt. Everything that touches the browser goes
// through go-app's JavaScript bridge (fetch, EventSource, localStorage), so
// the package never imports net/http and compiles natively, where the
// bridge is a no-op and the pure logic (formatting, sparklines, message
// merge, outbox) is tested with plain go test.
//
// The page holds the browser's one event stream and feeds every event, of
// every kind declared in tickertalk/app, to an event bus: a feature is a
// component that subscribes to its kind ([Subscribe], [SubscribeBatch]) and
// reads the latest state ([Latest]) or the room's durable events
// ([Durable]) it needs, and publishes with POST /api/events. The chat's
// messages and outbox stay with the page, whose children report user
// intent with go-app actions (the action* constants).
package components
