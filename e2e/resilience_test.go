package e2e

import (
	"fmt"
	"slices"
	"testing"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// TestPageSurvivesServerRestart keeps a page open while the server stops
// and starts again on the same address. While it is down the badge leaves
// "live"; the five messages posted right after the restart, before the page
// has reconnected, are each shown exactly once once it has, and the badge
// says "live" again.
func TestPageSurvivesServerRestart(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	tab := NewBrowser(t)
	openRoom(t, tab, srv, tt.DefaultRoom)
	WaitFor(t, tab, statusIs("live"), UITimeout)

	// A message seen before the restart gives the page a Last-Event-ID to
	// resume from.
	before := testclient.NewSession(t, srv.URL, "bob").Send(t, tt.DefaultRoom, "before the restart", "")
	WaitFor(t, tab, msgsWithID(before.ID)+` === 1`, UITimeout)

	if err := srv.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	// A page that was live says "reconnecting" during a restart, not
	// "offline" (that is for no network, or a server gone for long).
	WaitFor(t, tab, statusIs("reconnecting"), UITimeout)
	down := Eval[string](t, tab, `document.querySelector("#status").dataset.status`)

	srv.StartAgain()
	cy := testclient.NewSession(t, srv.URL, "cy")
	var missed []tt.ChatMessage
	for i := range 5 {
		missed = append(missed, cy.Send(t, tt.DefaultRoom, fmt.Sprintf("while you were away %d", i), ""))
	}
	// Only a report: the page's retry delay decides whether it already came back.
	stillDown := Eval[string](t, tab, `document.querySelector("#status").dataset.status`)
	t.Logf("status while down: %s; after the restart and the 5 posts: %s", down, stillDown)

	WaitFor(t, tab, statusIs("live"), UITimeout)
	for _, m := range missed {
		WaitFor(t, tab, msgsWithID(m.ID)+` >= 1`, UITimeout)
	}
	// A message posted after the reconnection orders the check: once it is
	// shown, every earlier delivery (a duplicate included) has been applied.
	after := cy.Send(t, tt.DefaultRoom, "after the reconnection", "")
	WaitFor(t, tab, msgsWithID(after.ID)+` === 1`, UITimeout)

	for _, m := range slices.Concat([]tt.ChatMessage{before}, missed) {
		if n := Eval[int](t, tab, msgsWithID(m.ID)); n != 1 {
			t.Errorf("message %s %q shown %d times, want 1", m.ID, m.Text, n)
		}
	}
	if dups := duplicateIDs(Eval[[]string](t, tab, shownIDs)); len(dups) > 0 {
		t.Errorf("ids shown more than once: %v", dups)
	}
}
