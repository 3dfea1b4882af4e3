package e2e

import (
	"strings"
	"testing"

	tt "tickertalk/app"
)

// cspWatch records, in window.__ttCSP, every Content Security Policy
// violation the document reports, as "directive blocked-URI". It runs
// before the page's own scripts, so nothing the page does escapes it.
const cspWatch = `window.__ttCSP = [];
document.addEventListener("securitypolicyviolation",
	e => window.__ttCSP.push(e.effectiveDirective + " " + e.blockedURI + " " + (e.sourceFile || "")));`

// TestPageRunsUnderItsCSP: the page is served with a Content Security
// Policy, and under it app.wasm compiles and runs and quotes show, the
// service worker takes control, and the page loaded through it runs too,
// without a single violation; the
// watch itself does see one when a page loads what the policy forbids.
func TestPageRunsUnderItsCSP(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	tab := NewBrowser(t)
	RunBeforePage(t, tab, "the CSP violation watch", cspWatch)
	Navigate(t, tab, roomURL(srv, tt.DefaultRoom))
	WaitWasmReady(t, tab)
	WaitFor(t, tab, `document.querySelectorAll(".quote[data-symbol] .price").length > 0`, UITimeout)
	WaitFor(t, tab, `navigator.serviceWorker.controller !== null`, UITimeout)
	Navigate(t, tab, roomURL(srv, tt.DefaultRoom)) // now through the worker
	WaitWasmReady(t, tab)
	WaitFor(t, tab, `document.querySelectorAll(".quote[data-symbol] .price").length > 0`, UITimeout)

	csp := Eval[string](t, tab, `fetch(location.href, {cache: "no-store"}).then(r => r.headers.get("Content-Security-Policy") || "")`)
	for _, want := range []string{"script-src 'self' 'wasm-unsafe-eval'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Fatalf("the page's CSP %q lacks %q", csp, want)
		}
	}
	if v := Eval[[]string](t, tab, `window.__ttCSP`); len(v) > 0 {
		t.Fatalf("CSP violations: %q", v)
	}

	Eval[bool](t, tab, `(() => { const i = new Image(); i.src = "http://elsewhere.invalid/x.png"; document.body.append(i); return true })()`)
	WaitFor(t, tab, `window.__ttCSP.some(v => v.startsWith("img-src"))`, UITimeout)
}
