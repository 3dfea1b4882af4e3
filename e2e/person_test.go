package e2e

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// What a person does and sees on the page, for the browser tests: pick a
// nickname, type a message, read the status badge, count messages. Every
// expression here is JavaScript built with [JS], for [WaitFor] and [Eval].

// UITimeout bounds what the running page should show after an action: a
// message arriving, a status changing, a session being made.
const UITimeout = 20 * time.Second

// roomURL is the deep link of room on srv.
func roomURL(srv *Server, room string) string { return srv.URL + tt.PathRoomPage + room }

// openRoom navigates the tab of ctx to room on srv and waits for the wasm.
func openRoom(t *testing.T, ctx context.Context, srv *Server, room string) {
	t.Helper()
	Navigate(t, ctx, roomURL(srv, room))
	WaitWasmReady(t, ctx)
}

// signIn types nick in the nickname prompt and waits for the composer.
func signIn(t *testing.T, ctx context.Context, nick string) {
	t.Helper()
	WaitFor(t, ctx, `document.querySelector("#nick-input") !== null`, UITimeout)
	Do(t, ctx,
		chromedp.SendKeys(chromedp.ID("nick-input"), nick),
		chromedp.Click(chromedp.ID("nick-submit")),
	)
	WaitFor(t, ctx, `document.querySelector("#composer") !== null`, UITimeout)
	WaitFor(t, ctx, `document.querySelector("#me").textContent === `+JS(nick), UITimeout)
}

// compose types text in the composer and presses the send button.
func compose(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	Do(t, ctx, chromedp.SendKeys(chromedp.ID("composer"), text))
	WaitFor(t, ctx, `!document.querySelector("#send").disabled`, UITimeout)
	Do(t, ctx, chromedp.Click(chromedp.ID("send")))
}

// statusIs is true while #status says state (live, reconnecting, offline).
func statusIs(state string) string {
	return `document.querySelector("#status").dataset.status === ` + JS(state)
}

// quotesShown is true once at least one quote has a price on screen.
const quotesShown = `[...document.querySelectorAll(".quote .price")].some(e => e.textContent.trim() !== "")`

// msgsWithID counts the rendered messages whose data-id is id.
func msgsWithID(id string) string {
	return `[...document.querySelectorAll("#messages .msg")].filter(m => m.dataset.id === ` + JS(id) + `).length`
}

// msgsWithText counts the rendered messages (stored or pending) whose text
// is text.
func msgsWithText(text string) string {
	return `[...document.querySelectorAll("#messages .msg")].filter(m =>
		m.querySelector(".text")?.textContent === ` + JS(text) + `).length`
}

// storedShown is true when exactly one message with text is shown, with a
// server id and no pending mark, and nick in its .nick.
func storedShown(text, nick string) string {
	return `(() => {
		const ms = [...document.querySelectorAll("#messages .msg")].filter(m =>
			m.querySelector(".text")?.textContent === ` + JS(text) + `);
		return ms.length === 1 && !!ms[0].dataset.id && ms[0].dataset.pending !== "true" &&
			ms[0].querySelector(".nick").textContent.includes(` + JS(nick) + `);
	})()`
}

// shownIDs is the data-id of every stored message on screen, in order.
const shownIDs = `[...document.querySelectorAll("#messages .msg[data-id]")].map(m => m.dataset.id).filter(id => id !== "")`

// duplicateIDs lists the ids that appear more than once in ids.
func duplicateIDs(ids []string) []string {
	seen := make(map[string]int, len(ids))
	var dups []string
	for _, id := range ids {
		seen[id]++
		if seen[id] == 2 {
			dups = append(dups, id)
		}
	}
	return dups
}

// roomHistory reads the latest messages of room through the scrollback API.
func roomHistory(t *testing.T, c *testclient.Client, room string) []tt.ChatMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testclient.RequestTimeout)
	defer cancel()
	var pg tt.MessagePage
	path := tt.RoomMessagesPath(room) + "?" + tt.QueryLimit + "=" + strconv.Itoa(tt.MaxPageLimit)
	if _, err := c.Request(ctx, http.MethodGet, path, "", nil, &pg); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return pg.Messages
}
