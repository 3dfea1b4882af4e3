package e2e

import (
	"fmt"
	"slices"
	"testing"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// shownTexts is the text of every stored message on screen, in order.
const shownTexts = `[...document.querySelectorAll("#messages .msg[data-id]")].filter(m => m.dataset.id !== "").map(m => m.querySelector(".text").textContent)`

// TestPageAfterTheStoreIsWiped keeps a page open on a room while the
// server is stopped, its data dir wiped, and started again on the same
// address: its new log gives sequences from 1 again, and holds more
// messages than the page saw. The page resumes from an id of the old log,
// gets resync, and ends showing exactly the new log's messages, in order:
// none of the old log's, none of the new one's skipped.
func TestPageAfterTheStoreIsWiped(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	tab := NewBrowser(t)
	openRoom(t, tab, srv, tt.DefaultRoom)
	WaitFor(t, tab, statusIs("live"), UITimeout)
	bob := testclient.NewSession(t, srv.URL, "bob")
	var old tt.ChatMessage
	for i := range 3 {
		old = bob.Send(t, tt.DefaultRoom, fmt.Sprint("old log ", i), "")
	}
	WaitFor(t, tab, msgsWithID(old.ID)+` === 1`, UITimeout)

	if err := srv.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	WaitFor(t, tab, statusIs("reconnecting"), UITimeout)
	wipe(t, srv.DataDir)
	srv.StartAgain()
	cy := testclient.NewSession(t, srv.URL, "cy")
	var want []string
	for i := range 6 {
		want = append(want, cy.Send(t, tt.DefaultRoom, fmt.Sprint("new log ", i), "").Text)
	}
	WaitFor(t, tab, statusIs("live"), UITimeout)
	// A message posted once the page is live, and the new log's first
	// message (which only the resync's page brings), order the check.
	after := cy.Send(t, tt.DefaultRoom, "after the reconnection", "")
	want = append(want, after.Text)
	WaitFor(t, tab, msgsWithID(after.ID)+` === 1`, UITimeout)
	WaitFor(t, tab, msgsWithText(want[0])+` === 1`, UITimeout) // the new log's first: the resync's page
	if got := Eval[[]string](t, tab, shownTexts); !slices.Equal(got, want) {
		t.Fatalf("after the wipe the page shows %q, want the new log's %q", got, want)
	}
}
