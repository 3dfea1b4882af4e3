package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	tt "tickertalk/app"
)

// TestNewVersionIsOffered: a page running one build, served again by a
// server with another build (same address), detects the new version and
// offers it; taking the offer reloads into the new build. The second build
// differs only in app.css, which is part of the version (rebuilding the
// wasm would take half a minute and prove nothing more).
func TestNewVersionIsOffered(t *testing.T) {
	RequireChromium(t)
	newWeb := t.TempDir()
	if err := copyTree(WebDir(t), newWeb); err != nil {
		t.Fatalf("copy web dir: %v", err)
	}
	// copyTree leaves the wasm out; the precompressed copies go after it
	// so that they are not older than it.
	for _, name := range []string{"app.wasm", "app.wasm.br", "app.wasm.gz"} {
		data, err := os.ReadFile(filepath.Join(WebDir(t), name))
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(newWeb, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	css := filepath.Join(newWeb, "app.css")
	f, err := os.OpenFile(css, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\n/* tickertalk e2e: build 2 */\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	srv := StartServer(t)
	tab := NewBrowser(t)
	Navigate(t, tab, srv.URL+tt.PathRoomPage+tt.DefaultRoom)
	WaitWasmReady(t, tab)
	WaitFor(t, tab, `navigator.serviceWorker.controller !== null`, UITimeout)
	if Eval[bool](t, tab, `document.querySelector("#update") !== null`) {
		t.Fatal("an update is offered before there is one")
	}

	// The same address now serves build 2.
	if err := srv.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	i := slices.Index(srv.args, "--web-dir")
	if i < 0 {
		t.Fatal("the harness no longer passes --web-dir")
	}
	srv.args[i+1] = newWeb
	srv.StartAgain()

	// The page is served from the cache (build 1) and finds build 2.
	Navigate(t, tab, srv.URL+tt.PathRoomPage+tt.DefaultRoom)
	WaitWasmReady(t, tab)
	WaitFor(t, tab, `document.querySelector("#update") !== null`, UITimeout)
	// Clicked from a timer: the click reloads the page, which must not
	// happen before the evaluation has returned.
	Eval[bool](t, tab, `(setTimeout(() => document.querySelector("#update").click(), 0), true)`)
	WaitWasmReady(t, tab)
	WaitFor(t, tab, `fetch("/web/app.css").then(r => r.text()).then(t => t.includes("build 2"))`, UITimeout)
	WaitFor(t, tab, `document.querySelector("#update") === null`, UITimeout)
}
