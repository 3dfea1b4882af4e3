// Package features holds Tickertalk's own features built on the public
// server API only ([server.On], [server.Publish], [server.Signal],
// [server.Observe]), one file each, as the recipe for an application's
// features: reactions on chat messages (reactions.go) and typing
// indicators (typing.go). Their event kinds are declared in package app,
// next to their types, so that the page and the Go client know them too.
package features

import "tickertalk/server"

// Register installs every feature's handlers on srv. Call it before srv
// loads the chat log (node.WithServer does), so that what the features
// derive from the log is rebuilt from its start.
func Register(srv *server.Server) {
	Reactions(srv)
	Typing(srv)
}
