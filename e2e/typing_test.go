package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	tt "tickertalk/app"
)

// watchTyping records, in the page, when #typing started and stopped
// saying text (Date.now(), the clock the other page shares).
const watchTyping = `(() => {
	window.__typing = {shown: [], gone: []};
	let was = "";
	const el = document.querySelector("#typing");
	new MutationObserver(() => {
		const now = el.textContent;
		if (now === was) return;
		if (now !== "") window.__typing.shown.push({at: Date.now(), text: now});
		else window.__typing.gone.push(Date.now());
		was = now;
	}).observe(el, {childList: true, characterData: true, subtree: true});
	return true;
})()`

// watchKeys records, in the page, when each key went down in the composer.
const watchKeys = `(() => {
	window.__keys = [];
	document.querySelector("#composer").addEventListener("keydown", () => window.__keys.push(Date.now()));
	return true;
})()`

// TestTypingIsShownToTheOther: while ann types, ben sees "ann is typing…"
// within a second of her first keystroke, without a break while she goes
// on, and no more within 5 s of her last; ann never sees her own.
func TestTypingIsShownToTheOther(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	ann := NewBrowser(t)
	ben := NewContext(t, ann)
	const room = "typing"
	openRoom(t, ann, srv, room)
	signIn(t, ann, "ann")
	openRoom(t, ben, srv, room)
	signIn(t, ben, "ben")
	WaitFor(t, ann, `document.querySelector("#presence").dataset.count === "2"`, UITimeout)
	WaitFor(t, ann, statusIs("live"), UITimeout)
	WaitFor(t, ben, statusIs("live"), UITimeout)
	Eval[bool](t, ben, watchTyping)
	Eval[bool](t, ann, watchTyping)
	Eval[bool](t, ann, watchKeys)

	// ann types a key every 400 ms for 3 s: longer than the TTL would last
	// on the first signal alone if no other were sent.
	Do(t, ann, chromedp.Focus(chromedp.ID("composer")))
	typing := 3 * time.Second
	for start := time.Now(); time.Since(start) < typing; {
		Do(t, ann, chromedp.KeyEvent("a"))
		time.Sleep(400 * time.Millisecond) // the pace of a person typing, not a wait for the page
	}
	keys := Eval[[]int64](t, ann, `window.__keys`)
	if len(keys) < 5 {
		t.Fatalf("%d keystrokes recorded, want at least 5", len(keys))
	}
	first, last := keys[0], keys[len(keys)-1]

	WaitFor(t, ben, `window.__typing.gone.length > 0`, tt.TypingTTL+5*time.Second)
	type change struct {
		At   int64  `json:"at"`
		Text string `json:"text"`
	}
	shown := Eval[[]change](t, ben, `window.__typing.shown`)
	gone := Eval[[]int64](t, ben, `window.__typing.gone`)
	if len(shown) == 0 || shown[0].Text != "ann is typing…" {
		t.Fatalf("ben's page showed %+v, want \"ann is typing…\"", shown)
	}
	if d := time.Duration(shown[0].At-first) * time.Millisecond; d > time.Second {
		t.Errorf("shown %v after the first keystroke, want within 1s", d)
	}
	if gone[0] < last {
		t.Errorf("the indicator went %v before the last keystroke, while ann typed", time.Duration(last-gone[0])*time.Millisecond)
	}
	if d := time.Duration(gone[0]-last) * time.Millisecond; d > 5*time.Second {
		t.Errorf("gone %v after the last keystroke, want within 5s", d)
	}
	if mine := Eval[int](t, ann, `window.__typing.shown.length`); mine != 0 {
		t.Errorf("ann saw her own typing indicator %d times", mine)
	}
}
