package e2e

import (
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// TestPageShowsPriceAndChat is the first thing a person checks: the page
// served by the binary shows live prices, and a message that someone else
// posts through /send appears in the room.
func TestPageShowsPriceAndChat(t *testing.T) {
	RequireChromium(t) // skip (or fail under CI) before starting anything
	srv := StartServer(t)
	page := NewBrowser(t)

	Navigate(t, page, srv.URL+tt.PathRoomPage+tt.DefaultRoom)
	WaitWasmReady(t, page)
	WaitFor(t, page, `[...document.querySelectorAll(".quote .price")].some(e => e.textContent.trim() !== "")`, 20*time.Second)

	bob := testclient.NewSession(t, srv.URL, "bob")
	msg := bob.Send(t, tt.DefaultRoom, "hello from bob", "")
	if msg.ID == "" || msg.Nick != "bob" {
		t.Fatalf("POST /send answered %+v, want an id and nick bob", msg)
	}
	WaitFor(t, page, `[...document.querySelectorAll("#messages .msg")].some(m =>
		m.dataset.id === `+JS(msg.ID)+` &&
		m.querySelector(".text")?.textContent.trim() === `+JS(msg.Text)+` &&
		m.querySelector(".nick")?.textContent.includes("bob"))`, 15*time.Second)
}
