// Package testclient is what tests use to talk to a Tickertalk server the
// way its clients do: [Stream] reads an SSE response (/eventstream) event
// by event, as a browser's EventSource parses it, and [Client] is one
// person's HTTP client with a session cookie (POST /api/session, POST
// /send, any other request).
//
// Every helper that takes a [testing.TB] fails the test itself (Fatalf) and
// calls tb.Helper; one that opens something closes it at tb's cleanup.
// Helpers without a TB return errors, for use off the test's goroutine.
//
// Only tests (and e2e's test harness) import this package:
// TestOnlyTestsImportInternal checks that no product package does, so it
// never reaches the binary or app.wasm.
package testclient
