package e2e

import (
	"testing"
	"time"

	tt "tickertalk/app"
)

// TestOfflineAndBack checks SetOffline and what the page shows with it:
// offline, requests fail and #status leaves "live"; back online, the page
// fetches again and #status returns to "live".
func TestOfflineAndBack(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	page := NewBrowser(t)
	Navigate(t, page, srv.URL+tt.PathRoomPage+tt.DefaultRoom)
	WaitWasmReady(t, page)
	WaitFor(t, page, `document.querySelector("#status").dataset.status === "live"`, 20*time.Second)

	fetchHealth := `fetch(` + JS(tt.PathHealth) + `, {cache: "no-store"}).then(r => "status " + r.status, e => "failed")`
	SetOffline(t, page, true)
	if got := Eval[string](t, page, fetchHealth); got != "failed" {
		t.Errorf("offline fetch of %s: %s, want failed", tt.PathHealth, got)
	}
	if Eval[bool](t, page, `navigator.onLine`) {
		t.Errorf("offline: navigator.onLine is true")
	}
	WaitFor(t, page, `document.querySelector("#status").dataset.status !== "live"`, 20*time.Second)

	SetOffline(t, page, false)
	if got := Eval[string](t, page, fetchHealth); got != "status 200" {
		t.Errorf("online again, fetch of %s: %s, want status 200", tt.PathHealth, got)
	}
	WaitFor(t, page, `document.querySelector("#status").dataset.status === "live"`, 30*time.Second)
}

// TestInstallable checks that Chromium finds nothing that keeps the PWA
// from being installed (manifest, local icons, a service worker).
func TestInstallable(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	page := NewBrowser(t)
	Navigate(t, page, srv.URL+"/")
	WaitWasmReady(t, page)
	WaitFor(t, page, `navigator.serviceWorker.controller !== null`, 30*time.Second)
	if errs := InstallabilityErrors(t, page); len(errs) != 0 {
		t.Errorf("not installable: %v", errs)
	}
}
