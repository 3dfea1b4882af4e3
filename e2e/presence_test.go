package e2e

import (
	"context"
	"testing"
)

// TestTwoPeopleSeeEachOther is two people in two browser contexts of one
// browser (separate cookies, storage and service workers) in the same room:
// both sign in, each sees the other online (#presence counts two and lists
// both nicknames) and each sees the message the other typed, confirmed by
// the server (an id, no pending mark), exactly once. When one leaves, the
// other sees the room with only herself; when he comes back, both again.
func TestTwoPeopleSeeEachOther(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	ann := NewBrowser(t)
	ben := NewContext(t, ann)
	const room = "desk"
	people := []struct {
		nick, text string
		page       context.Context
	}{
		{"ann", "hello ben, ann here", ann},
		{"ben", "hi ann, ben here", ben},
	}
	for _, p := range people {
		openRoom(t, p.page, srv, room)
	}
	for _, p := range people {
		signIn(t, p.page, p.nick)
	}

	both := `(() => {
		const p = document.querySelector("#presence");
		const names = [...p.querySelectorAll(".who")].map(e => e.textContent).sort().join(",");
		return p.dataset.count === "2" && names === "ann,ben";
	})()`
	for _, p := range people {
		WaitFor(t, p.page, both, UITimeout)
	}

	for _, p := range people {
		compose(t, p.page, p.text)
	}
	for _, viewer := range people {
		for _, author := range people {
			WaitFor(t, viewer.page, storedShown(author.text, author.nick), UITimeout)
		}
	}

	// ben leaves (his tab goes elsewhere): ann sees her room with only her.
	Navigate(t, ben, "about:blank")
	WaitFor(t, ann, `(() => {
		const p = document.querySelector("#presence");
		const names = [...p.querySelectorAll(".who")].map(e => e.textContent).join(",");
		return p.dataset.count === "1" && names === "ann";
	})()`, UITimeout)

	// ben comes back (the page may be restored from the back/forward
	// cache, its stream closed when he left): online again, and live.
	// (history.back, not chromedp.NavigateBack: a restore fires no load
	// event; and from a timer, so that the evaluation has returned before
	// the page goes: CI once failed with "Inspected target navigated".)
	Eval[bool](t, ben, `(setTimeout(() => history.back(), 0), true)`)
	WaitFor(t, ann, both, UITimeout)
	WaitFor(t, ben, statusIs("live"), UITimeout)
	WaitFor(t, ben, both, UITimeout)
}
