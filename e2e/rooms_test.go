package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// TestSwitchRoomsKeepsOneStream: a person creates a room with the room
// form, goes back with the room list, and leaves the room. The tab keeps
// exactly one stream open on the server, for the rooms it joined: it
// shows the messages of the room on screen and not the other's, and
// counts the person in each joined room until they leave it.
func TestSwitchRoomsKeepsOneStream(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	bob := testclient.NewSession(t, srv.URL, "bob")
	tab := NewBrowser(t)
	openRoom(t, tab, srv, tt.DefaultRoom)
	signIn(t, tab, "sam")
	waitStreams(t, srv, 1)

	Do(t, tab, chromedp.SendKeys(chromedp.ID("room-input"), "trading"), chromedp.Click(chromedp.ID("room-submit")))
	WaitFor(t, tab, `location.pathname === `+JS(tt.PathRoomPage+"trading")+` &&
		document.querySelector("#room-title").textContent === "#trading"`, UITimeout)
	elsewhere := bob.Send(t, tt.DefaultRoom, "said in the lobby", "")
	here := bob.Send(t, "trading", "said in trading", "")
	WaitFor(t, tab, msgsWithID(here.ID)+` === 1`, UITimeout)
	if n := Eval[int](t, tab, msgsWithID(elsewhere.ID)); n != 0 {
		t.Errorf("the trading room shows a lobby message %d times", n)
	}
	waitStreams(t, srv, 1)
	waitOnline(t, bob, map[string]int{tt.DefaultRoom: 1, "trading": 1})

	Do(t, tab, chromedp.Click(chromedp.CSS(`#rooms li[data-room="`+tt.DefaultRoom+`"] a`)))
	WaitFor(t, tab, `document.querySelector("#room-title").textContent === `+JS("#"+tt.DefaultRoom), UITimeout)
	WaitFor(t, tab, msgsWithID(elsewhere.ID)+` === 1`, UITimeout)
	if n := Eval[int](t, tab, msgsWithID(here.ID)); n != 0 {
		t.Errorf("the lobby shows a trading message %d times", n)
	}
	waitStreams(t, srv, 1)
	waitOnline(t, bob, map[string]int{tt.DefaultRoom: 1, "trading": 1})

	Do(t, tab, chromedp.Click(chromedp.CSS(`#rooms li[data-room="trading"] button.leave`)))
	waitStreams(t, srv, 1)
	waitOnline(t, bob, map[string]int{tt.DefaultRoom: 1, "trading": 0})
}

// waitStreams waits until the server has exactly n event streams open.
func waitStreams(t *testing.T, srv *Server, n int) {
	t.Helper()
	wait.ForNil(t, UITimeout, func() error {
		if got := openStreams(t, srv.URL); got != n {
			return fmt.Errorf("the server has %d event streams open, want %d", got, n)
		}
		return nil
	})
}

// openStreams reads the server's tickertalk_sse_connections gauge.
func openStreams(t *testing.T, base string) int {
	t.Helper()
	return int(metricValue(t, base, "tickertalk_sse_connections"))
}

// waitOnline waits until GET /api/rooms counts want[room] people online in
// each room of want (a room not listed counts 0).
func waitOnline(t *testing.T, c *testclient.Client, want map[string]int) {
	t.Helper()
	wait.ForNil(t, UITimeout, func() error {
		got := c.Rooms(t)
		for room, n := range want {
			if got[room] != n {
				return fmt.Errorf("rooms online %v, want %v", got, want)
			}
		}
		return nil
	})
}
