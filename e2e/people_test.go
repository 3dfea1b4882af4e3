package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	tt "tickertalk/app"
)

// TestTwoPeopleChat is two people in two browser contexts (separate
// cookies): alice picks a nickname and sends a message with the composer;
// bob, who has no session, sees it appear, and alice's own copy is
// confirmed (its pending mark replaced by the server's id).
func TestTwoPeopleChat(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	alice := NewBrowser(t)
	bob := NewContext(t, alice)
	room := srv.URL + tt.PathRoomPage + tt.DefaultRoom
	Navigate(t, alice, room)
	Navigate(t, bob, room)
	WaitWasmReady(t, alice)
	WaitWasmReady(t, bob)

	Do(t, alice,
		chromedp.SendKeys(chromedp.ID("nick-input"), "alice"),
		chromedp.Click(chromedp.ID("nick-submit")),
	)
	WaitFor(t, alice, `document.querySelector("#composer") !== null`, 15*time.Second)

	sessionNick := `fetch(` + JS(tt.PathSession) + `, {cache: "no-store"}).then(r => r.json()).then(s => s.nick)`
	if got := Eval[string](t, alice, sessionNick); got != "alice" {
		t.Errorf("alice GET %s says %q, want alice", tt.PathSession, got)
	}
	if got := Eval[string](t, bob, sessionNick); got != "" {
		t.Errorf("bob GET %s says %q: the browser contexts share cookies", tt.PathSession, got)
	}

	const text = "hi bob, from the composer"
	Do(t, alice, chromedp.SendKeys(chromedp.ID("composer"), text))
	WaitFor(t, alice, `!document.querySelector("#send").disabled`, 10*time.Second)
	Do(t, alice, chromedp.Click(chromedp.ID("send")))

	shown := `[...document.querySelectorAll("#messages .msg")].some(m =>
		m.dataset.id && m.dataset.pending !== "true" &&
		m.querySelector(".text")?.textContent.trim() === ` + JS(text) + ` &&
		m.querySelector(".nick")?.textContent.includes("alice"))`
	WaitFor(t, bob, shown, 15*time.Second)
	WaitFor(t, alice, shown, 15*time.Second)
	WaitFor(t, alice, `document.querySelectorAll('#messages .msg[data-pending="true"]').length === 0`, 15*time.Second)
	if got := Eval[string](t, alice, `document.querySelector("#composer").value`); got != "" {
		t.Errorf("composer after send = %q, want empty", got)
	}
}
