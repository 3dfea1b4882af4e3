package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	tt "tickertalk/app"
)

// layoutJS runs before the page's scripts: it sums the layout shifts not
// caused by input (the CLS of the visit, as Lighthouse counts it for a
// load) and the main thread's blocking time (each long task's time past
// 50 ms), from the start of the page.
const layoutJS = `(() => {
	const m = window.__ttLayout = {cls: 0, shifts: [], blocking: 0, longTasks: 0};
	new PerformanceObserver(list => {
		for (const e of list.getEntries()) {
			if (e.hadRecentInput) continue;
			m.cls += e.value;
			m.shifts.push({at: Math.round(e.startTime), value: e.value,
				nodes: (e.sources || []).map(s => s.node ? (s.node.id || s.node.className || s.node.nodeName) : "?")});
		}
	}).observe({type: "layout-shift", buffered: true});
	new PerformanceObserver(list => {
		for (const e of list.getEntries()) {
			m.longTasks++;
			m.blocking += Math.max(0, e.duration - 50);
		}
	}).observe({type: "longtask", buffered: true});
})()`

type layoutFigures struct {
	CLS       float64 `json:"cls"`
	Shifts    []any   `json:"shifts"`
	Blocking  float64 `json:"blocking"`
	LongTasks int     `json:"longTasks"`
}

// MaxCLS is the layout shift a first visit may have: Lighthouse's "good".
const MaxCLS = 0.1

// TestFirstVisitIsQuiet is a person's first visit (a fresh profile, no
// session, no cache): the page writes no error to the console (a 401 of
// "who am I?" would be one) and throws nothing, and its layout shifts by
// at most MaxCLS from the first paint to a live page with quotes. The
// main thread's blocking time is reported as a TIMING line.
func TestFirstVisitIsQuiet(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	browser := NewBrowser(t)
	for _, tc := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{
		{"phone", 412, 823, true}, // Lighthouse's mobile screen
		{"desktop", 1350, 940, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := NewContext(t, browser)
			opts := []chromedp.EmulateViewportOption{}
			if tc.mobile {
				opts = append(opts, chromedp.EmulateScale(1.75), chromedp.EmulateMobile)
			}
			Do(t, tab, chromedp.EmulateViewport(tc.width, tc.height, opts...))
			firstVisit(t, srv, tab)
		})
	}
}

func firstVisit(t *testing.T, srv *Server, tab context.Context) {
	RunBeforePage(t, tab, "the layout meter", layoutJS)

	var (
		mu     sync.Mutex
		errors []string
	)
	console := chromedp.Console(tab)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				errors = append(errors, m.String()+" "+m.URL)
				mu.Unlock()
			}
		}
	}()

	start := time.Now()
	openRoom(t, tab, srv, tt.DefaultRoom)
	ready := time.Since(start)
	WaitFor(t, tab, statusIs("live"), UITimeout)
	WaitFor(t, tab, quotesShown, UITimeout)
	WaitFor(t, tab, `document.querySelector("#nick-input") !== null`, UITimeout)
	// The room list and the session answer come after the stream: let
	// them land before measuring.
	WaitFor(t, tab, `document.querySelectorAll("#rooms li").length > 0`, UITimeout)
	Eval[bool](t, tab, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)

	fig := Eval[layoutFigures](t, tab, `window.__ttLayout`)
	t.Logf("TIMING first visit: wasm ready after %v; main thread blocked %.0f ms in %d long tasks; CLS %.3f",
		ready.Round(time.Millisecond), fig.Blocking, fig.LongTasks, fig.CLS)
	if fig.CLS > MaxCLS {
		t.Errorf("layout shift %.3f on a first visit, want at most %.2f; shifts %v", fig.CLS, MaxCLS, fig.Shifts)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errors) > 0 {
		t.Errorf("console errors on a first visit:\n%s", strings.Join(errors, "\n"))
	}
}
