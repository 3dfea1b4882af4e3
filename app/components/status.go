package components

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// Connection states shown by [statusBadge].
const (
	statusLive         = "live"
	statusReconnecting = "reconnecting"
	statusOffline      = "offline"
)

// connStatus derives the connection state: offline when the browser says
// so or the server's health check fails, live while the stream is open,
// reconnecting otherwise.
func connStatus(online bool, readyState int, healthy bool) string {
	switch {
	case !online:
		return statusOffline
	case readyState == esOpen:
		return statusLive
	case !healthy:
		return statusOffline
	default:
		return statusReconnecting
	}
}

// statusBadge shows the connection state as #status, its text and its
// data-status attribute exactly one of live, reconnecting, offline. Its
// data-stream attribute says whose EventSource the tab reads: "own" (it
// holds the browser's stream, or streams alone) or "relay" (another tab's).
type statusBadge struct {
	app.Compo

	Status string
	Stream string
}

func (s *statusBadge) Render() app.UI {
	return app.Span().ID("status").Class("status "+s.Status).
		DataSet("status", s.Status).
		DataSet("stream", s.Stream).
		Role("status").
		Aria("live", "polite").
		Text(s.Status)
}
