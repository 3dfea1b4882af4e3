package e2e

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// dialogWatch records every JavaScript dialog (alert, confirm, prompt) a tab
// opens and dismisses it, so that a dialog can fail a test instead of
// stalling the page.
type dialogWatch struct {
	mu       sync.Mutex
	messages []string
}

// watchDialogs starts a [dialogWatch] on the tab of ctx, until the test ends.
func watchDialogs(t *testing.T, ctx context.Context) *dialogWatch {
	t.Helper()
	w := &dialogWatch{}
	ctx, cancel := context.WithCancel(ctx)
	events := chromedp.Events(ctx, page.JavascriptDialogOpening) // subscribed from here on
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev, err := range events {
			if err != nil {
				return
			}
			w.mu.Lock()
			w.messages = append(w.messages, string(ev.Type)+": "+ev.Message)
			w.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

// seen returns the dialogs opened so far, as "type: message".
func (w *dialogWatch) seen() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.messages...)
}

// waitFor waits until a dialog with message has been seen.
func (w *dialogWatch) waitFor(t *testing.T, message string, timeout time.Duration) {
	t.Helper()
	wait.ForNil(t, timeout, func() error {
		seen := w.seen()
		if slices.Contains(seen, "alert: "+message) {
			return nil
		}
		return fmt.Errorf("no alert %q (dialogs: %v)", message, seen)
	})
}

// TestMessagesAreText posts markup as chat messages, from another client
// and from the page's own composer (its pending row, then its stored row):
// each is shown as literal text, nothing of it runs (window.__pwned stays
// undefined, no dialog opens, no element is created inside a message), and
// the same holds after a reload renders them from the offline cache.
func TestMessagesAreText(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	tab := NewBrowser(t)
	dialogs := watchDialogs(t, tab)
	openRoom(t, tab, srv, tt.DefaultRoom)

	// The watch itself works: a dialog the test opens is seen.
	Eval[bool](t, tab, `(setTimeout(() => alert("probe"), 0), true)`)
	dialogs.waitFor(t, "probe", UITimeout)
	probes := len(dialogs.seen())

	payloads := []string{
		`<img src=x onerror="window.__pwned=1">`,
		`<script>window.__pwned=2</script>`,
		`<svg onload="alert('svg')"></svg>`,
		`<iframe srcdoc="<script>parent.__pwned=4</script>"></iframe>`,
		`"><img src=x onerror=alert('attr')>`,
		`&lt;b&gt;entities stay entities&lt;/b&gt;`,
	}
	mallory := testclient.NewSession(t, srv.URL, "mallory")
	for _, p := range payloads {
		m := mallory.Send(t, tt.DefaultRoom, p, "")
		WaitFor(t, tab, msgsWithID(m.ID)+` === 1`, UITimeout)
	}
	signIn(t, tab, "eve")
	own := `<img src=x onerror="window.__pwned=5">`
	compose(t, tab, own)
	WaitFor(t, tab, storedShown(own, "eve"), UITimeout)
	payloads = append(payloads, own)

	check := func(step string) {
		t.Helper()
		for _, p := range payloads {
			if n := Eval[int](t, tab, msgsWithText(p)); n != 1 {
				t.Errorf("%s: %d messages whose textContent is %q, want 1", step, n, p)
			}
		}
		if n := Eval[int](t, tab, `document.querySelectorAll("#messages .msg .text *").length`); n != 0 {
			t.Errorf("%s: %d elements inside message texts, want 0: %s", step, n,
				Eval[string](t, tab, `[...document.querySelectorAll("#messages .msg .text")].map(e => e.innerHTML).join(" | ")`))
		}
		if got := Eval[string](t, tab, `typeof window.__pwned`); got != "undefined" {
			t.Errorf("%s: window.__pwned is %s: a message ran as code", step, Eval[string](t, tab, `String(window.__pwned)`))
		}
		if d := dialogs.seen(); len(d) != probes {
			t.Errorf("%s: dialogs opened by messages: %v", step, d[probes:])
		}
	}
	check("live")

	Do(t, tab, chromedp.Reload())
	WaitWasmReady(t, tab)
	WaitFor(t, tab, msgsWithText(own)+` === 1`, UITimeout)
	check("after a reload")
}
