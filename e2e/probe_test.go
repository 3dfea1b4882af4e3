package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// shownProbes is the test-only probes the page lists, typed: id, n (a
// number in the payload), nick and text of each, as "id:n:nick:text".
const shownProbes = `[...document.querySelectorAll("#e2e-probe li")].map(l =>
	l.dataset.id + ":" + l.dataset.n + ":" + l.dataset.nick + ":" + l.textContent)`

// TestTestKindArrivesTypedInThePage: a kind declared in one file of a
// build with -tags e2e (app/probe_e2e.go), published by a client through
// POST /api/events, reaches the page's component typed, live, and again
// from the offline cache after a reload without the network; the page has
// no listener or decoder written for it.
func TestTestKindArrivesTypedInThePage(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t, WithTestKinds())
	tab := NewBrowser(t)
	const room = "probe"
	openRoom(t, tab, srv, room)
	signIn(t, tab, "pia")
	WaitFor(t, tab, statusIs("live"), UITimeout)
	WaitFor(t, tab, `navigator.serviceWorker.controller !== null`, UITimeout)

	zed := testclient.NewSession(t, srv.URL, "zed")
	var want []string
	for n := 1; n <= 3; n++ {
		data, err := json.Marshal(map[string]any{"room": room, "text": fmt.Sprintf("probe %d", n), "n": n})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), testclient.RequestTimeout)
		var reply tt.EventReply
		status, err := zed.PostJSON(ctx, tt.PathEvents, tt.EventRequest{Kind: "e2e-probe", Data: data, ClientID: testclient.NewClientID()}, &reply)
		cancel()
		if err != nil || status != 201 || reply.ID == "" {
			t.Fatalf("POST %s probe %d: status %d, reply %+v, %v", tt.PathEvents, n, status, reply, err)
		}
		want = append(want, reply.ID+":"+strconv.Itoa(n)+":zed:"+fmt.Sprintf("probe %d", n))
	}
	wantJS := JS(want)
	WaitFor(t, tab, `JSON.stringify(`+shownProbes+`) === JSON.stringify(`+wantJS+`)`, UITimeout)

	SetOffline(t, tab, true)
	Do(t, tab, chromedp.Reload())
	WaitWasmReady(t, tab)
	WaitFor(t, tab, statusIs("offline"), UITimeout)
	WaitFor(t, tab, `JSON.stringify(`+shownProbes+`) === JSON.stringify(`+wantJS+`)`, UITimeout)
}
