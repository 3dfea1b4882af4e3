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
// One page component owns the state; the children receive it through
// exported fields and report user intent with go-app actions (the action*
// constants) that the page handles on the UI goroutine.
package components
