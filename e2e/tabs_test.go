package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// newTab opens another tab in the browser context of ctx: the same person
// (cookies, localStorage, service worker) in a second tab. It closes at
// cleanup and gets the failure artifacts of the harness's tabs.
func newTab(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	tab, _ := newClosableTab(t, ctx)
	return tab
}

// newClosableTab is [newTab] with a function that closes the tab, as a
// person closing it would (the page unloads).
func newClosableTab(t *testing.T, ctx context.Context) (context.Context, context.CancelFunc) {
	t.Helper()
	state, ok := ctx.Value(browserKey{}).(*browserState)
	if !ok {
		t.Fatalf("newTab: the context does not come from NewBrowser")
	}
	tab, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	if err := startTab(tab); err != nil {
		t.Fatalf("new tab: %v\nlogs:\n%s", err, state.logs.String())
	}
	watchTab(t, tab, state)
	return tab, cancel
}

// TestOfflineOutboxTwoTabs is one person with two tabs open when the
// connection drops: each tab writes a message, then the first tab is
// reloaded, still offline. Both messages share one outbox in localStorage:
// neither may be lost because the other tab wrote after it, and once back
// online each is delivered exactly once.
func TestOfflineOutboxTwoTabs(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	first := NewBrowser(t)
	openRoom(t, first, srv, tt.DefaultRoom)
	signIn(t, first, "fay")
	WaitFor(t, first, `navigator.serviceWorker.controller !== null`, UITimeout)
	second := newTab(t, first)
	openRoom(t, second, srv, tt.DefaultRoom)
	WaitFor(t, second, `document.querySelector("#composer") !== null`, UITimeout)
	WaitFor(t, second, statusIs("live"), UITimeout)

	tabs := []struct {
		name, text string
		page       context.Context
	}{
		{"first tab", "from the first tab", first},
		{"second tab", "from the second tab", second},
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	for _, tab := range tabs {
		SetOffline(t, tab.page, true)
		WaitFor(t, tab.page, statusIs("offline"), UITimeout)
	}
	for _, tab := range tabs {
		compose(t, tab.page, tab.text)
		WaitFor(t, tab.page, pendingShown(tab.text), UITimeout)
	}

	Do(t, first, chromedp.Reload())
	WaitWasmReady(t, first)
	WaitFor(t, first, statusIs("offline"), UITimeout)
	if got := Eval[int](t, first, msgsWithText(tabs[0].text)); got != 1 {
		t.Errorf("first tab after an offline reload shows %q %d times, want 1 (pending): lost from the outbox", tabs[0].text, got)
	}

	for _, tab := range tabs {
		SetOffline(t, tab.page, false)
	}
	srv.StartAgain()
	bob := testclient.NewSession(t, srv.URL, "bob")
	for _, tab := range tabs {
		WaitFor(t, tab.page, statusIs("live"), UITimeout)
	}
	for _, tab := range tabs {
		for _, want := range tabs {
			WaitFor(t, tab.page, storedShown(want.text, "fay"), UITimeout)
		}
	}
	// A later message orders the checks below: once shown, any duplicate
	// delivery would be on screen too.
	last := bob.Send(t, tt.DefaultRoom, "welcome back, fay", "")
	history := roomHistory(t, bob, tt.DefaultRoom)
	for _, want := range tabs {
		n := 0
		for _, m := range history {
			if m.Text == want.text {
				n++
			}
		}
		if n != 1 {
			t.Errorf("server history has %q %d times, want 1", want.text, n)
		}
	}
	for _, tab := range tabs {
		WaitFor(t, tab.page, msgsWithID(last.ID)+` === 1`, UITimeout)
		for _, want := range tabs {
			if n := Eval[int](t, tab.page, msgsWithText(want.text)); n != 1 {
				t.Errorf("%s shows %q %d times, want 1", tab.name, want.text, n)
			}
		}
		// Both tabs re-made the lost session for the same person: neither may
		// end up asking for a nickname "already taken" by its own other tab.
		if !Eval[bool](t, tab.page, `document.querySelector("#composer") !== null && document.querySelector("#nick-form") === null`) {
			t.Errorf("%s asks for a nickname after the restart: %q", tab.name, Eval[string](t, tab.page, `document.querySelector("#nick-form")?.textContent ?? ""`))
		}
	}
}
