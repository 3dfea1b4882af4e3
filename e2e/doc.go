// Package e2e drives the real tickertalk binary from the outside, the way a
// person and a browser do: it starts the server as a subprocess on a loopback
// port, talks to it over HTTP and Server-Sent Events, and opens its pages in
// headless Chromium through chromedp.
//
// The harness lives in the non-test files of this package so that its
// helpers read like a small API: [StartServer], [NewBrowser], [NewContext],
// [WaitWasmReady] and [WaitFor]. The SSE stream reader and the HTTP session
// client are [tickertalk/internal/testclient]'s (OpenStream, NewSession,
// Client.Send), shared with the server and node tests. Every helper takes
// a [testing.TB] and fails the test itself; each one that starts something
// registers its own cleanup.
//
// The binary and the web directory come from the environment variables
// TICKERTALK_BIN and TICKERTALK_WEB_DIR (absolute paths; the Makefile sets
// them), or are built once per test run into a temporary directory.
//
// Browser tests need /usr/bin/chromium (or chromium on the PATH). Without it
// they are skipped with a message, except under CI=true, where a missing
// browser fails the test: CI must never pass by testing nothing.
package e2e
