package e2e

import (
	"testing"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// lostAnswerJS makes the first POST /send of the page reach the server
// (which stores the message) and then fail as a dropped connection would,
// so the page never sees the answer. It counts, in window.__tt_rows_max, the
// most rows ever shown at once for the text in window.__tt_watch.
const lostAnswerJS = `(() => {
	const real = window.fetch;
	window.__tt_lost = 0;
	window.fetch = function (input, init) {
		const url = typeof input === "string" ? input : input.url;
		const p = real.apply(this, arguments);
		if (window.__tt_lost === 0 && init && init.method === "POST" && url.endsWith("/send")) {
			window.__tt_lost = 1;
			return p.then(() => { window.__tt_lost = 2; throw new TypeError("answer lost (test)"); });
		}
		return p;
	};
	window.__tt_rows_max = 0;
	const count = () => {
		if (!window.__tt_watch) return;
		const n = [...document.querySelectorAll("#messages .msg .text")].filter(e => e.textContent === window.__tt_watch).length;
		window.__tt_rows_max = Math.max(window.__tt_rows_max, n);
	};
	new MutationObserver(count).observe(document, {subtree: true, childList: true, characterData: true});
})();`

// TestLostSendAnswer: the server stores a message but its answer is lost
// on the way back. The stream's copy does not say whose it is (no clientId
// is broadcast), yet the page shows the message once at every moment, never
// as pending beside its stored copy, and the retry stores nothing twice.
func TestLostSendAnswer(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	tab := NewBrowser(t)
	RunBeforePage(t, tab, "the lost answer", lostAnswerJS)
	openRoom(t, tab, srv, tt.DefaultRoom)
	signIn(t, tab, "lou")
	const text = "answer lost on the way"
	Eval[string](t, tab, `window.__tt_watch = `+JS(text))
	compose(t, tab, text)
	WaitFor(t, tab, `window.__tt_lost === 2`, UITimeout)
	WaitFor(t, tab, storedShown(text, "lou"), UITimeout)
	WaitFor(t, tab, `document.querySelectorAll('#messages .msg[data-pending="true"]').length === 0`, UITimeout)
	// A later message orders the checks: any second copy would be shown by now.
	bob := testclient.NewSession(t, srv.URL, "bob")
	last := bob.Send(t, tt.DefaultRoom, "after the lost answer", "")
	WaitFor(t, tab, msgsWithID(last.ID)+` === 1`, UITimeout)
	if n := Eval[int](t, tab, msgsWithText(text)); n != 1 {
		t.Errorf("page shows %q %d times, want 1", text, n)
	}
	if n := Eval[int](t, tab, `window.__tt_rows_max`); n != 1 {
		t.Errorf("page showed %q up to %d times at once, want 1", text, n)
	}
	n := 0
	for _, m := range roomHistory(t, bob, tt.DefaultRoom) {
		if m.Text == text {
			n++
		}
	}
	if n != 1 {
		t.Errorf("server history has %q %d times, want 1", text, n)
	}
}
