//go:build wasm

package main

// serve does nothing in the browser: the server code stays out of app.wasm.
func serve() {}
