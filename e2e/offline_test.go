package e2e

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// shownQuotes maps each symbol on screen to its price text.
const shownQuotes = `Object.fromEntries([...document.querySelectorAll(".quote[data-symbol]")].map(q =>
	[q.dataset.symbol, q.querySelector(".price").textContent.trim()]))`

// pendingShown is true when exactly one message with text is shown, marked
// pending and without a server id.
func pendingShown(text string) string {
	return `(() => {
		const ms = [...document.querySelectorAll("#messages .msg")].filter(m =>
			m.querySelector(".text")?.textContent === ` + JS(text) + `);
		return ms.length === 1 && ms[0].dataset.pending === "true" && !ms[0].dataset.id;
	})()`
}

// TestOfflineReloadAndOutbox is the PWA promise: with the network gone and
// the server down, a reload still renders the app from the service worker
// with the last quotes and the room's messages, and says offline; a message
// written offline waits as pending, survives another reload, and once the
// network and the server are back it is delivered exactly once.
func TestOfflineReloadAndOutbox(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	tab := NewBrowser(t)
	openRoom(t, tab, srv, tt.DefaultRoom)
	signIn(t, tab, "dee")
	bob := testclient.NewSession(t, srv.URL, "bob")
	for i := range 3 {
		m := bob.Send(t, tt.DefaultRoom, fmt.Sprintf("seen online %d", i), "")
		WaitFor(t, tab, msgsWithID(m.ID)+` === 1`, UITimeout)
	}
	WaitFor(t, tab, quotesShown, UITimeout)
	WaitFor(t, tab, `navigator.serviceWorker.controller !== null`, UITimeout)

	// Server down and network off: nothing can change what is on screen now.
	if err := srv.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	SetOffline(t, tab, true)
	WaitFor(t, tab, statusIs("offline"), UITimeout)
	quotes := Eval[map[string]string](t, tab, shownQuotes)
	ids := Eval[[]string](t, tab, shownIDs)
	if len(quotes) == 0 || len(ids) < 3 {
		t.Fatalf("before going offline: quotes %v, message ids %v", quotes, ids)
	}

	reloadOffline := func(step string) {
		t.Helper()
		Do(t, tab, chromedp.Reload())
		WaitWasmReady(t, tab)
		WaitFor(t, tab, quotesShown, UITimeout)
		if got := Eval[map[string]string](t, tab, shownQuotes); !maps.Equal(got, quotes) {
			t.Errorf("%s: quotes %v, want the last known %v", step, got, quotes)
		}
		WaitFor(t, tab, shownIDs+`.join(",") === `+JS(strings.Join(ids, ",")), UITimeout)
		WaitFor(t, tab, statusIs("offline"), UITimeout)
	}
	reloadOffline("offline reload")

	const text = "written while offline"
	compose(t, tab, text)
	WaitFor(t, tab, pendingShown(text), UITimeout)
	reloadOffline("second offline reload")
	WaitFor(t, tab, pendingShown(text), UITimeout)

	SetOffline(t, tab, false)
	srv.StartAgain()
	WaitFor(t, tab, statusIs("live"), UITimeout)
	WaitFor(t, tab, storedShown(text, "dee"), UITimeout)
	// A later message orders the check: once shown, any duplicate delivery
	// of the outbox's message would be on screen too.
	last := bob.Send(t, tt.DefaultRoom, "welcome back", "")
	WaitFor(t, tab, msgsWithID(last.ID)+` === 1`, UITimeout)
	if n := Eval[int](t, tab, msgsWithText(text)); n != 1 {
		t.Errorf("page shows %q %d times, want 1", text, n)
	}
	if n := Eval[int](t, tab, `document.querySelectorAll('#messages .msg[data-pending="true"]').length`); n != 0 {
		t.Errorf("%d messages still pending", n)
	}

	var stored []tt.ChatMessage
	for _, m := range roomHistory(t, bob, tt.DefaultRoom) {
		if m.Text == text {
			stored = append(stored, m)
		}
	}
	if len(stored) != 1 || stored[0].Nick != "dee" {
		t.Fatalf("server history has %+v, want one message %q from dee", stored, text)
	}
	if n := Eval[int](t, tab, msgsWithID(stored[0].ID)); n != 1 {
		t.Errorf("page shows id %s %d times, want 1", stored[0].ID, n)
	}
}
