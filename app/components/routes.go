package components

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// roomRoutePattern matches the deep link of a room, /rooms/{room}.
const roomRoutePattern = "^/rooms/[a-z0-9][a-z0-9-]{0,31}$"

// Routes registers every page of the UI with go-app: "/" (the default
// room) and the deep link "/rooms/{room}". Both are the same page
// component, so switching rooms keeps the page and reopens its stream. It
// must be called before app.RunWhenOnBrowser, in both builds.
func Routes() {
	app.Route("/", func() app.Composer { return newPage() })
	app.RouteWithRegexp(roomRoutePattern, func() app.Composer { return newPage() })
}

// roomFromPath is the room a URL path designates: the default room for
// anything that is not a valid /rooms/{room}.
func roomFromPath(path string) string {
	name, ok := strings.CutPrefix(path, tt.PathRoomPage)
	if !ok || tt.ValidateRoom(name) != nil {
		return tt.DefaultRoom
	}
	return name
}
