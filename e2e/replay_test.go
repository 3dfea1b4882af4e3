package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// messageTimesJS records, before the page's scripts run, when each chat
// message event reached the page (performance.now(), by id), for every
// EventSource the page opens.
const messageTimesJS = `(() => {
	const times = window.__ttMessageTimes = {};
	window.EventSource = class extends window.EventSource {
		constructor(...args) {
			super(...args);
			this.addEventListener("message", e => { times[e.lastEventId] ??= performance.now(); });
		}
	};
})()`

// replayMessages is how many messages TestLongReplay's page misses.
const replayMessages = 2000

// ReplayTimeout bounds the replay of TestLongReplay: loose, for a shared
// 2-core machine; the time itself is reported as a TIMING line.
const ReplayTimeout = 60 * time.Second

// TestLongReplay is a person coming back to the page after many messages
// were posted: the page resumes from the last id it saw, the server replays
// all of them on one stream, and the page ends showing the
// newest ones, in order, each once, and stays usable (its ticker goes on).
func TestLongReplay(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t, WithFlags("--send-rate", "0"))
	tab := NewBrowser(t)
	RunBeforePage(t, tab, "the message clock", messageTimesJS)
	openRoom(t, tab, srv, tt.DefaultRoom)
	bob := testclient.NewSession(t, srv.URL, "bob")
	first := bob.Send(t, tt.DefaultRoom, "before the gap", "")
	WaitFor(t, tab, msgsWithID(first.ID)+` === 1`, UITimeout)
	WaitFor(t, tab, statusIs("live"), UITimeout)

	// Away from the page (its stream closed) while 2,000 messages are posted.
	Navigate(t, tab, "about:blank")
	var firstMissed, last tt.ChatMessage
	for i := range replayMessages {
		last = bob.Send(t, tt.DefaultRoom, fmt.Sprintf("missed %d", i), "")
		if i == 0 {
			firstMissed = last
		}
	}

	start := time.Now()
	openRoom(t, tab, srv, tt.DefaultRoom)
	WaitFor(t, tab, msgsWithID(last.ID)+` === 1`, ReplayTimeout)
	took := time.Since(start)
	times := Eval[[]float64](t, tab, `[window.__ttMessageTimes[`+JS(firstMissed.ID)+`], window.__ttMessageTimes[`+JS(last.ID)+`], performance.now()]`)
	t.Logf("TIMING replay of %d messages: last one on screen %v after navigating back; the stream delivered them in %.0f ms, then on screen within %.0f ms",
		replayMessages, took.Round(time.Millisecond), times[1]-times[0], times[2]-times[1])

	ids := Eval[[]string](t, tab, shownIDs)
	if dups := duplicateIDs(ids); len(dups) > 0 {
		t.Fatalf("messages shown twice after the replay: %v", dups)
	}
	if !slices.IsSortedFunc(ids, func(a, b string) int { return mustSeq(t, a) - mustSeq(t, b) }) {
		t.Fatalf("messages out of order after the replay: %v", ids)
	}
	// Every id from the oldest shown to the last is there: nothing skipped.
	lo, hi := mustSeq(t, ids[0]), mustSeq(t, ids[len(ids)-1])
	if hi != mustSeq(t, last.ID) || len(ids) != hi-lo+1 || len(ids) < 100 {
		t.Fatalf("after the replay %d messages shown, ids %d..%d; want a run without holes ending at %s", len(ids), lo, hi, last.ID)
	}
	before := Eval[map[string]string](t, tab, shownQuotes)
	WaitFor(t, tab, `(q => Object.keys(q).some(s => q[s] !== `+JS(before)+`[s]))(`+shownQuotes+`)`, UITimeout)
}
