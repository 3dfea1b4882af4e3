package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// LiveWithin is how soon a tab of a browser that already streams must be
// live once its app runs: it reads the relay of the tab that holds the
// stream, or opens its own at once.
const LiveWithin = 3 * time.Second

// TakeoverWithin is how soon another tab holds the stream once the tab
// holding it closed.
const TakeoverWithin = 3 * time.Second

// streamIs is true while #status says the tab reads its own stream
// ("own") or another tab's ("relay").
func streamIs(role string) string {
	return `document.querySelector("#status").dataset.stream === ` + JS(role)
}

// metricValue reads one unlabelled value of the /metrics of the server at
// base.
func metricValue(t *testing.T, base, name string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testclient.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+tt.PathMetrics, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", tt.PathMetrics, err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s = %q: %v", name, v, err)
			}
			return f
		}
	}
	t.Fatalf("no %s in %s (%v)", name, tt.PathMetrics, sc.Err())
	return 0
}

// roomIDs is the ids of the server's scrollback of room, oldest first.
func roomIDs(t *testing.T, c *testclient.Client, room string) []string {
	t.Helper()
	var ids []string
	for _, m := range roomHistory(t, c, room) {
		ids = append(ids, m.ID)
	}
	return ids
}

// waitSameList waits until the tab shows exactly the server's scrollback
// of room, in order, each message once.
func waitSameList(t *testing.T, tab context.Context, c *testclient.Client, room, name string) {
	t.Helper()
	want := roomIDs(t, c, room)
	if err := Poll(tab, shownIDs+`.join(",") === `+JS(strings.Join(want, ",")), UITimeout); err != nil {
		got := Eval[[]string](t, tab, shownIDs)
		t.Fatalf("%s shows %v in #%s, want the server's %v (duplicates %v)", name, got, room, want, duplicateIDs(got))
	}
}

// sender posts messages round-robin in rooms, every gap, until stop or n
// messages; wait returns once it has stopped.
type sender struct {
	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	sent []tt.ChatMessage
}

func startSender(t *testing.T, c *testclient.Client, rooms []string, n int, gap time.Duration) *sender {
	s := &sender{stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(gap)
		defer tick.Stop()
		for i := range n {
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
			room := rooms[i%len(rooms)]
			ctx, cancel := context.WithTimeout(context.Background(), testclient.RequestTimeout)
			var m tt.ChatMessage
			_, err := c.PostJSON(ctx, tt.PathSend, tt.SendRequest{Room: room, Text: fmt.Sprintf("flow %d", i), ClientID: testclient.NewClientID()}, &m)
			cancel()
			if err != nil {
				t.Errorf("send %d: %v", i, err)
				return
			}
			s.mu.Lock()
			s.sent = append(s.sent, m)
			s.mu.Unlock()
		}
	}()
	t.Cleanup(s.wait)
	return s
}

func (s *sender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

func (s *sender) wait() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.wg.Wait()
}

// finish lets the sender post all its messages and waits for it.
func (s *sender) finish() { s.wg.Wait() }

// liveAtJS has the page note, in performance.now() time, when its app
// runs (window.__ttReadyAt: body[data-wasm=ready]) and when it is first
// live with quotes on screen (window.__ttLiveAt). The page measures it
// itself: polling ten tabs over CDP on a loaded machine takes seconds of
// its own.
func liveAtJS() string {
	return `(() => {
	window.__ttReadyAt = 0;
	window.__ttLiveAt = 0;
	const check = () => {
		try {
			if (!window.__ttReadyAt && document.body.dataset.wasm === "ready") window.__ttReadyAt = performance.now();
			if (window.__ttReadyAt && !window.__ttLiveAt && ` + statusIs("live") + ` && ` + quotesShown + `) {
				window.__ttLiveAt = performance.now();
				observer.disconnect();
			}
		} catch (e) {} // the page is not there yet
	};
	const observer = new MutationObserver(check);
	observer.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
})()`
}

// TestTenTabsShareOneStream is one browser with ten tabs of the app over
// HTTP/1.1 (six connections per host) on three rooms: every tab is live
// within LiveWithin of its app starting, the server counts one stream
// connection, a fetch from the tenth tab answers, and every message
// shows, once, in every tab that has its room open.
func TestTenTabsShareOneStream(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t, WithFlags("--send-rate", "0"))
	browser := NewBrowser(t) // its first tab stays blank
	rooms := []string{tt.DefaultRoom, "dev", "ops"}
	tabs := make([]context.Context, 10)
	for i := range tabs {
		tab := newTab(t, browser)
		RunBeforePage(t, tab, "the live timer", liveAtJS())
		openRoom(t, tab, srv, rooms[i%len(rooms)])
		if err := Poll(tab, `window.__ttLiveAt > 0`, UITimeout); err != nil {
			t.Fatalf("tab %d not live: %v (status %q)", i+1, err, Eval[string](t, tab, `document.querySelector("#status").dataset.status`))
		}
		ms := func(expr string) time.Duration {
			return time.Duration(Eval[float64](t, tab, expr) * float64(time.Millisecond)).Round(time.Millisecond)
		}
		started, live := ms(`window.__ttReadyAt`), ms(`window.__ttLiveAt - window.__ttReadyAt`)
		t.Logf("TIMING tab %d: app running %v after navigating, live with quotes %v later", i+1, started, live)
		// A tab that waits for something timed (the lock, a silent
		// holder, a retry) takes seconds more than LiveWithin. On a
		// loaded machine what the page does itself stretches too (up to
		// 8 s at a load average of 50), and so does its own start (1-2 s
		// idle, 4-22 s then; live took at most 1.12 times the start in
		// 130 tabs): twice its start bounds it then.
		if limit := max(LiveWithin, 2*started); live > limit {
			t.Errorf("tab %d live %v after its app started, want within %v (the longer of %v and twice its start)", i+1, live, limit, LiveWithin)
		}
		tabs[i] = tab
	}
	// Over HTTP/1.1 a page has six connections to the server: had each tab
	// a stream of its own, the fetch would wait for a free one that never
	// comes. So it must answer, within UITimeout; how soon is only logged
	// (6 ms idle, up to 8 s at a load average of 50 on 2 cores).
	took := Eval[float64](t, tabs[9], `(async () => {
		const t0 = performance.now();
		const answered = fetch(`+JS(tt.PathRooms)+`, {cache: "no-store"}).then(r => r.json()).then(() => true);
		const late = new Promise(resolve => setTimeout(() => resolve(false), `+JS(UITimeout.Milliseconds())+`));
		return (await Promise.race([answered, late])) ? performance.now() - t0 : -1;
	})()`)
	if took < 0 {
		t.Errorf("a fetch from the tenth tab got no answer in %v: it waited for a connection", UITimeout)
	}
	t.Logf("TIMING fetch from the tenth tab: %.0f ms", took)
	// A tab hands the stream over with its Web Lock: the server's count
	// and the tabs' roles are polled until both say one.
	wait.ForNil(t, UITimeout, func() error {
		owners := 0
		for _, tab := range tabs {
			if Eval[bool](t, tab, streamIs("own")) {
				owners++
			}
		}
		if n := openStreams(t, srv.URL); n != 1 || owners != 1 {
			return fmt.Errorf("%d stream connections and %d tabs holding a stream of their own, want 1 and 1", n, owners)
		}
		return nil
	})

	bob := testclient.NewSession(t, srv.URL, "bob")
	var sent []tt.ChatMessage
	for i := range 12 {
		sent = append(sent, bob.Send(t, rooms[i%len(rooms)], fmt.Sprintf("to every tab %d", i), ""))
	}
	for i, tab := range tabs {
		room := rooms[i%len(rooms)]
		for _, m := range sent {
			if m.Room == room {
				WaitFor(t, tab, msgsWithID(m.ID)+` === 1`, UITimeout)
			}
		}
		got := Eval[[]string](t, tab, shownIDs)
		if dups := duplicateIDs(got); len(dups) > 0 {
			t.Errorf("tab %d shows %v twice", i+1, dups)
		}
		for _, m := range sent {
			if m.Room != room && slices.Contains(got, m.ID) {
				t.Errorf("tab %d on #%s shows %s of #%s", i+1, room, m.ID, m.Room)
			}
		}
	}
	if n := openStreams(t, srv.URL); n != 1 {
		t.Errorf("%v stream connections after the messages, want 1", n)
	}
	t.Logf("TIMING ten tabs: %d stream connection(s); server resident memory %.1f MiB, Go heap in use %.1f MiB, %v goroutines",
		openStreams(t, srv.URL), metricValue(t, srv.URL, "process_resident_memory_bytes")/(1<<20),
		metricValue(t, srv.URL, "go_memstats_heap_inuse_bytes")/(1<<20), metricValue(t, srv.URL, "go_goroutines"))
}

// ownAtJS has the page note in window.__ttOwnAt the time (ms since the
// epoch) #status first says live on the tab's own stream.
const ownAtJS = `(() => {
	window.__ttOwnAt = 0;
	const check = () => {
		const s = document.querySelector("#status");
		if (!window.__ttOwnAt && s && s.dataset.stream === "own" && s.dataset.status === "live") window.__ttOwnAt = Date.now();
	};
	new MutationObserver(check).observe(document.body, {subtree: true, attributes: true, attributeFilter: ["data-stream", "data-status"]});
	check();
	return true;
})()`

// TestHolderTabLostWhileMessagesFlow loses the tab that holds the
// browser's stream while messages flow in two rooms, as a person closing
// it would and as its renderer crashing would (the page gets no unload):
// another tab holds the stream within TakeoverWithin, and every tab ends
// with the server's scrollback of its room, without a hole or a
// duplicate.
func TestHolderTabLostWhileMessagesFlow(t *testing.T) {
	RequireChromium(t)
	tests := []struct {
		name string
		lose func(t *testing.T, holder context.Context, closeTab context.CancelFunc)
	}{
		{"closed", func(_ *testing.T, _ context.Context, closeTab context.CancelFunc) { closeTab() }},
		{"crashed", func(t *testing.T, holder context.Context, _ context.CancelFunc) {
			// Page.crash kills the renderer without unload: the lock and
			// the BroadcastChannel go with the process. Its own answer
			// never comes, so the call is not waited for.
			ctx, cancel := context.WithTimeout(holder, 2*time.Second)
			defer cancel()
			_, _ = chromedp.Call(ctx, page.Crash, cdp.Empty{})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { holderLost(t, tc.lose) })
	}
}

func holderLost(t *testing.T, lose func(*testing.T, context.Context, context.CancelFunc)) {
	srv := StartServer(t, WithFlags("--send-rate", "0"))
	browser := NewBrowser(t)
	rooms := []string{tt.DefaultRoom, "dev"}
	holder, closeHolder := newClosableTab(t, browser)
	openRoom(t, holder, srv, rooms[0])
	WaitFor(t, holder, statusIs("live")+` && `+streamIs("own"), UITimeout)
	var others []context.Context
	for i := range 3 {
		tab := newTab(t, browser)
		openRoom(t, tab, srv, rooms[(i+1)%len(rooms)])
		WaitFor(t, tab, statusIs("live")+` && `+streamIs("relay"), UITimeout)
		others = append(others, tab)
	}

	bob := testclient.NewSession(t, srv.URL, "bob")
	s := startSender(t, bob, rooms, 40, 100*time.Millisecond)
	wait.For(t, UITimeout, "some messages sent", func() bool { return s.count() >= 8 })
	// Each tab notes, itself, when it is live on its own stream: polling
	// three tabs over CDP on a loaded machine takes time of its own.
	for _, tab := range others {
		Eval[bool](t, tab, ownAtJS)
	}
	closed := time.Now()
	lose(t, holder, closeHolder)
	var took time.Duration
	wait.For(t, UITimeout, "another tab holding the stream", func() bool {
		for _, tab := range others {
			if at := Eval[int64](t, tab, `window.__ttOwnAt`); at > 0 {
				took = time.UnixMilli(at).Sub(closed)
				return true
			}
		}
		return false
	})
	t.Logf("TIMING takeover: another tab live on its own stream %v after the holder was lost", took.Round(time.Millisecond))
	if took > TakeoverWithin {
		t.Errorf("takeover took %v, want within %v", took, TakeoverWithin)
	}
	s.finish()
	for i, tab := range others {
		waitSameList(t, tab, bob, rooms[(i+1)%len(rooms)], fmt.Sprintf("tab %d", i+2))
	}
	wait.For(t, UITimeout, "one stream connection", func() bool {
		return openStreams(t, srv.URL) == 1
	})
}

// joinByForm switches the tab to room with the room form: an in-app
// navigation, the page and its stream stay.
func joinByForm(t *testing.T, tab context.Context, room string) {
	t.Helper()
	Do(t, tab,
		chromedp.SetValue(chromedp.ID("room-input"), room),
		chromedp.Click(chromedp.ID("room-submit")),
	)
	WaitFor(t, tab, `document.querySelector("#room-title").textContent === `+JS("#"+room), UITimeout)
}

// TestRoomSwitchJoinLeaveWhileMessagesFlow switches a tab's room, joins a
// fourth room in another tab and leaves one, while messages flow in all
// of them: each tab ends with the server's scrollback of the room it
// shows, with no hole and no duplicate, and back in a room it left for a
// while too.
func TestRoomSwitchJoinLeaveWhileMessagesFlow(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t, WithFlags("--send-rate", "0"))
	browser := NewBrowser(t)
	a, b := newTab(t, browser), newTab(t, browser)
	openRoom(t, a, srv, tt.DefaultRoom)
	WaitFor(t, a, statusIs("live"), UITimeout)
	openRoom(t, b, srv, "dev")
	WaitFor(t, b, statusIs("live"), UITimeout)
	joinByForm(t, a, "ops")
	joinByForm(t, a, tt.DefaultRoom)

	bob := testclient.NewSession(t, srv.URL, "bob")
	rooms := []string{tt.DefaultRoom, "dev", "ops", "qa"}
	s := startSender(t, bob, rooms, 60, 80*time.Millisecond)
	wait.For(t, UITimeout, "messages flowing", func() bool { return s.count() >= 6 })
	joinByForm(t, a, "ops") // a room switch
	wait.For(t, UITimeout, "more messages", func() bool { return s.count() >= 16 })
	joinByForm(t, b, "qa") // a fourth room
	wait.For(t, UITimeout, "more messages", func() bool { return s.count() >= 26 })
	// Leave the default room, open in no tab now.
	Do(t, a, chromedp.Click(chromedp.CSS(`#rooms li[data-room="`+tt.DefaultRoom+`"] button.leave`)))
	wait.For(t, UITimeout, "more messages", func() bool { return s.count() >= 36 })
	joinByForm(t, b, "dev") // back to a room b left while it got messages
	s.finish()

	waitSameList(t, a, bob, "ops", "tab a")
	waitSameList(t, b, bob, "dev", "tab b")
	joinByForm(t, a, "qa")
	waitSameList(t, a, bob, "qa", "tab a")
	if Eval[bool](t, a, `document.querySelector('#rooms li[data-room="`+tt.DefaultRoom+`"] button.leave') !== null`) {
		t.Errorf("the room left still has a leave button: still joined")
	}
}

// unreadOf is the unread and mention badges of room's row, "" when none.
func unreadOf(room string) string {
	return `(r => [r?.querySelector(".unread")?.textContent ?? "", r?.querySelector(".mentions")?.textContent ?? ""].join("/"))(document.querySelector('#rooms li[data-room="` + room + `"]'))`
}

// TestUnreadAndMentionCounts: messages in a joined room no tab shows are
// counted in every tab's room list and title (mentions apart), still after
// a reload, and cleared in every tab once one tab shows the room.
func TestUnreadAndMentionCounts(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t, WithFlags("--send-rate", "0"))
	browser := NewBrowser(t)
	a, b := newTab(t, browser), newTab(t, browser)
	openRoom(t, a, srv, tt.DefaultRoom)
	signIn(t, a, "fay")
	openRoom(t, b, srv, "dev")
	WaitFor(t, b, statusIs("live"), UITimeout)
	joinByForm(t, a, "ops")
	joinByForm(t, a, tt.DefaultRoom)

	bob := testclient.NewSession(t, srv.URL, "bob")
	// Joining ops reopened the holder's stream with it. Nothing has an id
	// yet, so that stream resumes after nothing: what is posted before the
	// server has it reaches no tab (the room on screen reloads its page,
	// the others have no count). The server counts fay in ops once it has.
	waitOnline(t, bob, map[string]int{tt.DefaultRoom: 1, "dev": 1, "ops": 1})
	bob.Send(t, "ops", "news in ops", "")
	mention := bob.Send(t, "ops", "@fay have a look", "")
	bob.Send(t, "ops", "and one more", "")
	last := bob.Send(t, "dev", "seen in dev", "")
	WaitFor(t, b, msgsWithID(last.ID)+` === 1`, UITimeout)
	// The tabs share the counts by read-modify-write on localStorage: tab
	// a may count the dev message before it hears that b, which shows
	// dev, read it, and then b marks it read again (see the page's
	// onStorage). Once a's storage holds b's mark, a cannot count it.
	WaitFor(t, a, `JSON.parse(localStorage.getItem("tt/unread") || "{}").dev?.read === `+JS(last.ID), UITimeout)

	for name, tab := range map[string]context.Context{"a": a, "b": b} {
		WaitFor(t, tab, unreadOf("ops")+` === "3/@1"`, UITimeout)
		if err := Poll(tab, unreadOf("dev")+` === "/" && document.title === "(3) Tickertalk"`, UITimeout); err != nil {
			t.Errorf("tab %s: dev, shown in tab b, counts %q unread, title %q", name,
				Eval[string](t, tab, unreadOf("dev")), Eval[string](t, tab, `document.title`))
		}
	}
	Do(t, b, chromedp.Reload())
	WaitWasmReady(t, b)
	WaitFor(t, b, unreadOf("ops")+` === "3/@1"`, UITimeout)
	WaitFor(t, b, `document.title === "(3) Tickertalk"`, UITimeout)

	joinByForm(t, a, "ops")
	for _, tab := range []context.Context{a, b} {
		WaitFor(t, tab, unreadOf("ops")+` === "/"`, UITimeout)
		WaitFor(t, tab, `document.title === "Tickertalk"`, UITimeout)
	}
	WaitFor(t, a, `document.querySelector('#messages .msg.mention[data-id="`+mention.ID+`"]') !== null`, UITimeout)
	if n := Eval[int](t, a, `document.querySelectorAll("#messages .msg.mention").length`); n != 1 {
		t.Errorf("%d messages marked as mentions, want 1", n)
	}
}

// setLifecycle freezes (frozen) or thaws (active) the page of the tab of
// ctx, as a browser does to a tab in the background: its scripts stop,
// its connections stay open.
func setLifecycle(t *testing.T, ctx context.Context, state page.SetWebLifecycleStateState) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.SetWebLifecycleState, page.SetWebLifecycleStateParams{State: state}); err != nil {
		t.Fatalf("set the page %s: %v", state, err)
	}
}

// TestFrozenHolderLosesTheStream freezes the tab that holds the stream (a
// frozen page keeps its Web Lock): the other tab, hearing nothing for
// holderSilence, takes the lock and its own stream, and shows what was
// said meanwhile; thawed, the old holder reads the relay, and the browser
// ends with one stream again.
func TestFrozenHolderLosesTheStream(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t, WithFlags("--send-rate", "0"))
	browser := NewBrowser(t)
	holder, other := newTab(t, browser), newTab(t, browser)
	openRoom(t, holder, srv, tt.DefaultRoom)
	WaitFor(t, holder, statusIs("live")+` && `+streamIs("own"), UITimeout)
	openRoom(t, other, srv, tt.DefaultRoom)
	WaitFor(t, other, statusIs("live")+` && `+streamIs("relay"), UITimeout)

	setLifecycle(t, holder, page.SetWebLifecycleStateStateFrozen)
	bob := testclient.NewSession(t, srv.URL, "bob")
	m := bob.Send(t, tt.DefaultRoom, "said while the holder sleeps", "")
	// The holder is silent from the freeze: 20 s, a tick, the new stream.
	WaitFor(t, other, streamIs("own")+` && `+msgsWithID(m.ID)+` === 1`, 20*time.Second+UITimeout)

	setLifecycle(t, holder, page.SetWebLifecycleStateStateActive)
	WaitFor(t, holder, streamIs("relay")+` && `+msgsWithID(m.ID)+` === 1`, UITimeout)
	last := bob.Send(t, tt.DefaultRoom, "after the thaw", "")
	for _, tab := range []context.Context{holder, other} {
		WaitFor(t, tab, msgsWithID(last.ID)+` === 1`, UITimeout)
	}
	wait.For(t, UITimeout, "one stream connection", func() bool { return openStreams(t, srv.URL) == 1 })
}
