// Package testclient is what tests use to look at a Tickertalk server's
// wire, below the public client (package tickertalk/client): [Stream]
// reads an SSE response (/eventstream) frame by frame with
// [tickertalk/client.Decoder], comments and blocks without data included,
// and keeps all of it for a test to inspect; [Client] is one person's HTTP
// client with a session cookie that sends any request as given (bad
// bodies, other origins), for tests of the contract's errors. Programs,
// and tests of what a program sees (typed events, reconnection), use
// package client.
//
// Every helper that takes a [testing.TB] fails the test itself (Fatalf) and
// calls tb.Helper; one that opens something closes it at tb's cleanup.
// Helpers without a TB return errors, for use off the test's goroutine.
//
// Only tests (and e2e's test harness) import this package:
// TestOnlyTestsImportInternal checks that no product package does, so it
// never reaches the binary or app.wasm.
package testclient
