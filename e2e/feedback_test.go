package e2e

import (
	"fmt"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// What the page tells a person when the server says no, and scrollback:
// the paths that component tests cover only up to the rendering.

// TestNicknameTakenIsExplained: a nickname held by someone else is refused
// with a sentence in the prompt, no composer appears, and another nickname
// then works.
func TestNicknameTakenIsExplained(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	testclient.NewSession(t, srv.URL, "bob") // bob is taken, through the API
	page := NewBrowser(t)
	openRoom(t, page, srv, tt.DefaultRoom)

	WaitFor(t, page, `document.querySelector("#nick-input") !== null`, UITimeout)
	Do(t, page,
		chromedp.SendKeys(chromedp.ID("nick-input"), "BOB"), // nicknames are compared without case
		chromedp.Click(chromedp.ID("nick-submit")),
	)
	WaitFor(t, page, `document.querySelector("#nick-error")?.textContent === "that nickname is taken"`, UITimeout)
	if Eval[bool](t, page, `document.querySelector("#composer") !== null`) {
		t.Fatal("the composer is shown although the nickname was refused")
	}

	Eval[bool](t, page, `(() => { document.querySelector("#nick-input").value = ""; return true })()`)
	signIn(t, page, "carol")
	if got := Eval[string](t, page, `document.querySelector("#nick-error")?.textContent ?? ""`); got != "" {
		t.Errorf("after signing in, the prompt's error still says %q", got)
	}
}

// TestRateLimitIsExplainedAndNothingIsLost: past the burst, the page says
// how long to wait, keeps the refused message pending, sends it once the
// server allows, and every message ends up stored once, in the order typed.
func TestRateLimitIsExplainedAndNothingIsLost(t *testing.T) {
	RequireChromium(t)
	// 1 message every 4 s after a burst of 2: Retry-After is 4, so the
	// third of four messages typed at once is refused even on a slow machine.
	srv := StartServer(t, WithFlags("--send-rate", "0.25", "--send-burst", "2"))
	page := NewBrowser(t)
	openRoom(t, page, srv, tt.DefaultRoom)
	signIn(t, page, "dora")

	texts := []string{"one", "two", "three", "four"}
	for _, text := range texts {
		compose(t, page, text)
	}
	WaitFor(t, page, `/^slow down, retry in \d+ s$/.test(document.querySelector("#error").textContent)`, UITimeout)
	if n := Eval[int](t, page, `document.querySelectorAll("#messages .msg.pending").length`); n == 0 {
		t.Error("while rate limited, no message is shown as pending")
	}

	for _, text := range texts {
		WaitFor(t, page, storedShown(text, "dora"), UITimeout)
	}
	WaitFor(t, page, `document.querySelector("#error").textContent === ""`, UITimeout)

	var stored []string
	for _, m := range roomHistory(t, testclient.NewClient(t, srv.URL), tt.DefaultRoom) {
		stored = append(stored, m.Text)
	}
	if !slices.Equal(stored, texts) {
		t.Errorf("the room stores %q, want %q: each once, in the order typed", stored, texts)
	}
}

// TestLoadOlderMessages: the page opens on the latest page of a long room;
// "load older messages" prepends the pages before it until the first
// message, without duplicates, and keeps the messages already read in view.
// A message arriving while someone reads the oldest ones takes none of them
// away, though the room is longer than the page keeps when following the
// bottom (500).
func TestLoadOlderMessages(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t, WithFlags("--send-rate", "0"))
	const room, total, page1 = "archive", 520, 50 // page1: the UI's page size
	eve := testclient.NewSession(t, srv.URL, "eve")
	var want []string
	for i := range total {
		want = append(want, eve.Send(t, room, fmt.Sprintf("archived %03d", i), "").ID)
	}

	page := NewBrowser(t)
	openRoom(t, page, srv, room)
	WaitFor(t, page, `document.querySelectorAll("#messages .msg[data-id]").length === `+JS(page1), UITimeout)
	if got := Eval[[]string](t, page, shownIDs); !slices.Equal(got, want[total-page1:]) {
		t.Fatalf("on open the page shows %d ids %v…, want the latest %d", len(got), head(got), page1)
	}

	for shown := page1; shown < total; {
		// A person scrolls to the top, reads the first message, asks for more.
		WaitFor(t, page, `document.querySelector("#older:not([disabled])") !== null`, UITimeout)
		first := Eval[string](t, page, `(() => {
			document.querySelector("#messages").scrollTop = 0;
			return document.querySelector("#messages .msg[data-id]").dataset.id })()`)
		before := Eval[float64](t, page, msgTop(first))
		Do(t, page, chromedp.Click(chromedp.ID("older")))
		shown = min(shown+page1, total)
		WaitFor(t, page, `document.querySelectorAll("#messages .msg[data-id]").length === `+JS(shown), UITimeout)
		// The message read stays where it was; the older ones are above it.
		WaitFor(t, page, `Math.abs(`+msgTop(first)+` - `+JS(before)+`) < 2`, UITimeout)
	}

	got := Eval[[]string](t, page, shownIDs)
	if !slices.Equal(got, want) {
		t.Errorf("after scrolling back the page shows %d ids (duplicates %v), want all %d in order", len(got), duplicateIDs(got), total)
	}
	WaitFor(t, page, `document.querySelector("#older") === null`, UITimeout)

	// A new message while the first ones are read: shown, and nothing lost.
	Eval[bool](t, page, `(document.querySelector("#messages").scrollTop = 0, true)`)
	live := eve.Send(t, room, "while you read the archive", "")
	WaitFor(t, page, msgsWithID(live.ID)+` === 1`, UITimeout)
	if got := Eval[[]string](t, page, shownIDs); !slices.Equal(got, append(want, live.ID)) {
		t.Errorf("after a live message the page shows %d ids from %v, want all %d and the new one", len(got), head(got), total)
	}
}

// TestLatestPageRetried: a room opened with nothing cached shows what was
// said before from the API; when that request fails, the page asks again
// on its own once it can, instead of showing only what arrives live.
func TestLatestPageRetried(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	const room = "retry"
	fay := testclient.NewSession(t, srv.URL, "fay")
	earlier := fay.Send(t, room, "said before you came", "")

	page := NewBrowser(t)
	BlockURLs(t, page, "*://*:*/api/rooms/"+room+"/messages*")
	openRoom(t, page, srv, room)
	WaitFor(t, page, statusIs("live"), UITimeout)
	live := fay.Send(t, room, "said while the history failed", "")
	WaitFor(t, page, msgsWithID(live.ID)+` === 1`, UITimeout)
	if n := Eval[int](t, page, msgsWithID(earlier.ID)); n != 0 {
		t.Fatalf("the earlier message is shown %d times though its request was blocked", n)
	}

	BlockURLs(t, page)
	WaitFor(t, page, msgsWithID(earlier.ID)+` === 1`, UITimeout)
	if got, want := Eval[[]string](t, page, shownIDs), []string{earlier.ID, live.ID}; !slices.Equal(got, want) {
		t.Errorf("the page shows %v, want %v", got, want)
	}
}

// msgTop is the position on screen of the message whose data-id is id.
func msgTop(id string) string {
	return `document.querySelector("#messages .msg[data-id=\"" + ` + JS(id) + ` + "\"]").getBoundingClientRect().top`
}

// head is the first few of ids, for failure messages.
func head(ids []string) []string { return ids[:min(len(ids), 3)] }

// A room whose first message is on screen offers no older ones, also after
// a reload that renders it from the cache and resumes the stream.
func TestNoOlderMessagesInAShortRoom(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	const room = "short"
	eve := testclient.NewSession(t, srv.URL, "eve")
	var last tt.ChatMessage
	for i := range 3 {
		last = eve.Send(t, room, fmt.Sprintf("short %d", i), "")
	}
	page := NewBrowser(t)
	for _, step := range []string{"first visit", "reload"} {
		openRoom(t, page, srv, room)
		WaitFor(t, page, msgsWithID(last.ID)+` === 1`, UITimeout)
		WaitFor(t, page, statusIs("live"), UITimeout)
		if Eval[bool](t, page, `document.querySelector("#older") !== null`) {
			t.Errorf("%s: the page offers older messages in a room of 3, all shown", step)
		}
		if step == "reload" && !Eval[bool](t, page, `JSON.parse(localStorage.getItem("tt/room/`+room+`") || "{}").older === false`) {
			t.Errorf("reload: the room's cache does not say it holds the first message")
		}
	}
}
