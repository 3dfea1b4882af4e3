//go:build wasm

package main

import "time"

// serve does nothing in the browser: the server code stays out of app.wasm.
func serve() {}

// yieldToBrowser lets the browser run its own tasks (paint, input) before
// the next step of the start. Go's start runs in one browser task until
// its goroutines block, and V8 compiles each wasm function on its first
// call in that same task: without the yields, instantiation to the first
// render is one task of ~600 ms on a 2-core machine, the page frozen
// throughout. A sleep returns to the browser's event loop, so each step is
// a task of its own.
func yieldToBrowser() { time.Sleep(time.Millisecond) }
