// Package app is Tickertalk's shared vocabulary: the message types, event
// names, paths, limits and validation rules that the server and the
// WebAssembly client both compile in.
//
// It depends on the standard library only, and never on net/http or go-app,
// so that it costs almost nothing in app.wasm. Files that also import go-app
// (whose package is named app too) import this package as tt.
package app
