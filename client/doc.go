// Package client is the Go client of a Tickertalk server, for programs and
// services (native Go, not the WebAssembly page): it follows the event
// stream of one or several rooms and decodes each event through the event
// registry of package app, and it holds a session and sends commands.
//
// A [Client] is bound to one server and one person (its cookie jar holds
// the session). [Client.Stream] returns a [Stream] whose [Stream.Events]
// is an iterator of decoded [Event]s that reconnects by itself:
//
//   - after the server ends the stream, a network error, a restart or a
//     silent connection (no byte, not even the server's heartbeat comment,
//     within the heartbeat timeout), it waits (the server's retry field,
//     doubled after each failed attempt, with jitter) and reconnects with
//     Last-Event-ID, so that the server replays what it missed;
//   - it never yields two events with the same id in the same room, even
//     if a server replays one again;
//   - a resync event (the server cannot resume the room from that id) is
//     yielded like any other, as an [app.Resync]: the caller reloads the
//     room's history ([Client.Scrollback]);
//   - it ends when its context ends, leaving no goroutine behind, or with
//     an error the caller must act on: an answer that is not an event
//     stream ([ErrNotEventStream], or an [*APIError] such as a room name
//     the server refuses).
//
// Ids are opaque strings: the client compares them for equality only.
//
// [Decoder] is the event-stream parser underneath, for programs that read
// the wire themselves.
package client
