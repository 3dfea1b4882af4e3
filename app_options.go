//go:build !wasm && !e2e

package main

import "tickertalk/node"

// appOptions are the node options of the application's own features beyond
// the built-in ones: none in a normal build (see e2e_probe.go).
func appOptions() []node.Option { return nil }
