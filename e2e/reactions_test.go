package e2e

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// shownTally is the reactions with a count under message id, as JSON
// {"emoji": count, ...} in the order of the buttons, and the emojis the
// page marks as its person's own under "mine".
func shownTally(id string) string {
	return `(() => {
		const row = document.querySelector('.reactions[data-message=` + JS(id) + `]');
		if (!row) return "no row";
		const bs = [...row.querySelectorAll(".reaction")];
		return JSON.stringify({
			counts: Object.fromEntries(bs.filter(b => b.dataset.count !== "0").map(b => [b.dataset.emoji, Number(b.dataset.count)])),
			mine: bs.filter(b => b.getAttribute("aria-pressed") === "true").map(b => b.dataset.emoji),
		});
	})()`
}

// tallyJSON is what shownTally says for the tally of one message seen by
// nick.
func tallyJSON(tally map[string][]string, nick string) string {
	counts := "{"
	mine := "["
	for _, e := range tt.Emojis {
		who := tally[e]
		if len(who) == 0 {
			continue
		}
		if counts != "{" {
			counts += ","
		}
		counts += JS(e) + ":" + strconv.Itoa(len(who))
		for _, w := range who {
			if w == nick {
				if mine != "[" {
					mine += ","
				}
				mine += JS(e)
			}
		}
	}
	return `{"counts":` + counts + `},"mine":` + mine + `]}`
}

// react clicks the emoji's button under message id, then waits for the
// page to show the tally want (the event back from the stream).
func react(t *testing.T, tab context.Context, id, emoji, nick string, want map[string][]string) {
	t.Helper()
	Eval[bool](t, tab, `(document.querySelector('.reactions[data-message=`+JS(id)+`] .reaction[data-emoji=`+JS(emoji)+`]').click(), true)`)
	WaitFor(t, tab, shownTally(id)+` === `+JS(tallyJSON(want, nick)), UITimeout)
}

// TestReactionsAgreeEverywhere: ann and ben react to a message and take
// reactions back; cat, offline meanwhile, reacts too (shown at once, kept
// across a reload, sent when she is back); every page, dee's reloaded
// from the offline cache included, ends with the same tallies, and the
// scrollback API with them.
func TestReactionsAgreeEverywhere(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	ann := NewBrowser(t)
	ben := NewContext(t, ann)
	cat := NewContext(t, ann)
	dee := NewContext(t, ann)
	const room = "react"
	tabs := map[string]context.Context{"ann": ann, "ben": ben, "cat": cat, "dee": dee}
	for nick, tab := range tabs {
		openRoom(t, tab, srv, room)
		signIn(t, tab, nick)
	}
	bob := testclient.NewSession(t, srv.URL, "bob")
	m := bob.Send(t, room, "react to this", "")
	for _, tab := range tabs {
		WaitFor(t, tab, shownTally(m.ID)+` === `+JS(tallyJSON(nil, "")), UITimeout)
	}
	for _, tab := range []context.Context{cat, dee} {
		WaitFor(t, tab, `navigator.serviceWorker.controller !== null`, UITimeout)
	}

	// cat goes offline, and reloads there: her page runs from the cache
	// with no stream (an open one may outlive the emulated cut).
	SetOffline(t, cat, true)
	Do(t, cat, chromedp.Reload())
	WaitWasmReady(t, cat)
	WaitFor(t, cat, statusIs("offline"), UITimeout)

	// Each step is seen by the one who clicked before the next click.
	steps := []struct {
		nick, emoji string
		want        map[string][]string
	}{
		{"ann", "👍", map[string][]string{"👍": {"ann"}}},
		{"ann", "🎉", map[string][]string{"👍": {"ann"}, "🎉": {"ann"}}},
		{"ben", "👍", map[string][]string{"👍": {"ann", "ben"}, "🎉": {"ann"}}},
		{"ben", "❤️", map[string][]string{"👍": {"ann", "ben"}, "🎉": {"ann"}, "❤️": {"ben"}}},
		{"ann", "🎉", map[string][]string{"👍": {"ann", "ben"}, "❤️": {"ben"}}}, // taken back
		{"ben", "❤️", map[string][]string{"👍": {"ann", "ben"}}},               // taken back
		{"ben", "😮", map[string][]string{"👍": {"ann", "ben"}, "😮": {"ben"}}},
	}
	for _, s := range steps {
		react(t, tabs[s.nick], m.ID, s.emoji, s.nick, s.want)
	}
	// cat reacts while offline: counted on her page at once, and again
	// after a reload there (the outbox is kept), sent when she is back.
	live := steps[len(steps)-1].want
	final := map[string][]string{"🎉": {"cat"}}
	for e, who := range live {
		final[e] = who
	}
	Eval[bool](t, cat, `(document.querySelector('.reactions[data-message=`+JS(m.ID)+`] .reaction[data-emoji="🎉"]').click(), true)`)
	WaitFor(t, cat, shownTally(m.ID)+` === `+JS(tallyJSON(map[string][]string{"🎉": {"cat"}}, "cat")), UITimeout)
	Do(t, cat, chromedp.Reload())
	WaitWasmReady(t, cat)
	WaitFor(t, cat, statusIs("offline"), UITimeout)
	WaitFor(t, cat, shownTally(m.ID)+` === `+JS(tallyJSON(map[string][]string{"🎉": {"cat"}}, "cat")), UITimeout)

	// cat comes back: the stream resumes, replaying what she missed, and
	// her reaction goes out.
	SetOffline(t, cat, false)
	WaitFor(t, cat, statusIs("live"), UITimeout)
	for nick, tab := range tabs {
		WaitFor(t, tab, shownTally(m.ID)+` === `+JS(tallyJSON(final, nick)), UITimeout)
	}

	// dee reloads with the network gone: the tallies come from the cache.
	SetOffline(t, dee, true)
	Do(t, dee, chromedp.Reload())
	WaitWasmReady(t, dee)
	WaitFor(t, dee, statusIs("offline"), UITimeout)
	WaitFor(t, dee, shownTally(m.ID)+` === `+JS(tallyJSON(final, "dee")), UITimeout)

	// The scrollback API folds to the same tally.
	rs, pg := scrollbackReactions(t, bob, room)
	if got, want := tallyJSON(tt.Tally(rs)[m.ID], ""), tallyJSON(final, ""); got != want {
		t.Errorf("scrollback tally %s, want %s (events %+v)", got, want, pg.Events)
	}
}

// scrollbackReactions returns the reactions in the last [tt.MaxPageLimit]
// events of room's scrollback as c reads it, and the page they are from.
func scrollbackReactions(t testing.TB, c *testclient.Client, room string) ([]tt.Reaction, tt.MessagePage) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testclient.RequestTimeout)
	defer cancel()
	var pg tt.MessagePage
	path := tt.RoomMessagesPath(room) + "?" + tt.QueryLimit + "=" + strconv.Itoa(tt.MaxPageLimit)
	if _, err := c.Request(ctx, http.MethodGet, path, "", nil, &pg); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	var rs []tt.Reaction
	for _, e := range pg.Events {
		if e.Kind != tt.KindReaction.Name() {
			continue
		}
		r, err := tt.KindReaction.Decode(e.Data)
		if err != nil {
			t.Fatalf("scrollback event %s: %v", e.ID, err)
		}
		rs = append(rs, r)
	}
	return rs, pg
}
