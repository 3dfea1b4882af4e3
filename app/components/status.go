package components

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Connection states shown by [statusBadge].
const (
	statusLive         = "live"
	statusReconnecting = "reconnecting"
	statusOffline      = "offline"
)

// connection is what the page knows of its link to the server: the state
// [statusBadge] shows, whether the server answered the last health probe,
// and when a live stream last dropped. The page owns it and reads and
// writes it on the UI goroutine only.
type connection struct {
	status  string    // one of statusLive, statusReconnecting, statusOffline
	healthy bool      // the last health probe got an answer (or none was made)
	lostAt  time.Time // when a live stream last dropped; zero while live or never
}

// newConnection is the state of a page whose stream has not opened yet.
func newConnection() connection {
	return connection{status: statusReconnecting, healthy: true}
}

// reconnectGrace is how long a page that was live says "reconnecting"
// before failing health checks make it "offline": a server restart is a
// few seconds of reconnecting, not an outage.
const reconnectGrace = 10 * time.Second

// inGrace reports whether a live stream dropped less than reconnectGrace
// ago.
func (c connection) inGrace() bool {
	return !c.lostAt.IsZero() && time.Since(c.lostAt) < reconnectGrace
}

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
