package client_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/client"
	"tickertalk/config"
	"tickertalk/internal/wait"
)

// TestStreamReconnectsAfterTheServerClosesIt: a node that stops ends its
// streams; started again on the same address and store, it gets the
// client back, which resumes after its last id: the messages posted while
// it was away arrive, each once, in order.
func TestStreamReconnectsAfterTheServerClosesIt(t *testing.T) {
	n := startNode(t, nil)
	c := newClient(t, n.URL)
	if _, err := c.SetNick(t.Context(), "ann"); err != nil {
		t.Fatal(err)
	}
	col, s := collect(t, c, []string{"lobby", "dev"}, client.WithBackoff(100*time.Millisecond, time.Second))
	want := send(t, c, "lobby", numbered("before", 1, 5)...)
	want = append(want, send(t, c, "dev", "in dev")...)
	waitMessages(t, col, 15*time.Second, want)
	last := s.LastEventID()

	n.Stop()
	wait.For(t, 10*time.Second, "the client to see the stream end", func() bool { return len(col.disconnected()) > 0 })
	n.Start()
	// Posted before the client is back: only the replay can bring them.
	want = append(want, send(t, c, "lobby", numbered("after", 1, 5)...)...)
	waitMessages(t, col, 20*time.Second, want)
	if s.LastEventID() == last {
		t.Fatalf("LastEventID still %q after the replay", last)
	}
	if err := col.disconnected()[0]; err == nil || errors.Is(err, client.ErrHeartbeatTimeout) {
		t.Fatalf("first disconnection: %v, want the end of the stream", err)
	}
}

// TestStreamSurfacesResyncAndDeliversWhatFollows: a client that comes back
// with an id the node's log never assigned (the node lost its store) gets
// resync for its room, then the room's new messages, even though their ids
// were delivered before from the old log: a resync starts the room's
// history again.
func TestStreamSurfacesResyncAndDeliversWhatFollows(t *testing.T) {
	n := startNode(t, nil)
	c := newClient(t, n.URL)
	if _, err := c.SetNick(t.Context(), "ann"); err != nil {
		t.Fatal(err)
	}
	col, _ := collect(t, c, []string{"lobby"}, client.WithBackoff(100*time.Millisecond, time.Second))
	want := send(t, c, "lobby", numbered("old log", 1, 3)...)
	waitMessages(t, col, 15*time.Second, want)

	n.Stop()
	n.cfg.DataDir = t.TempDir() // a wiped store
	n.Start()
	isResync := func(ev client.Event) bool {
		r, ok := client.As(ev, tt.KindResync)
		return ok && r.Room == "lobby" && ev.Room == "lobby"
	}
	wait.For(t, 20*time.Second, "a resync of lobby", func() bool { return col.count(isResync) > 0 })
	if _, err := c.SetNick(t.Context(), "ann"); err != nil { // the new store has no session
		t.Fatal(err)
	}
	want = append(want, send(t, c, "lobby", numbered("new log", 1, 3)...)...)
	waitMessages(t, col, 15*time.Second, want)
}

// TestStreamStopsOnCancel: cancelling the context ends Events at once,
// whether it is reading a live stream or waiting to reconnect, and leaves
// no goroutine of the client or its connections.
func TestStreamStopsOnCancel(t *testing.T) {
	n := startNode(t, nil)
	before := clientGoroutines()
	c, err := client.New(n.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetNick(t.Context(), "ann"); err != nil {
		t.Fatal(err)
	}
	live, _ := collect(t, c, []string{"lobby"})
	waitMessages(t, live, 15*time.Second, send(t, c, "lobby", "hello"))

	// A second client finds no server and waits to retry.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	gone, err := client.New("http://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	waiting, _ := collectUnconnected(t, gone, []string{"lobby"}, client.WithBackoff(time.Hour, time.Hour))
	wait.For(t, 10*time.Second, "a failed attempt", func() bool { return len(waiting.disconnected()) > 0 })
	if clientGoroutines() <= before {
		t.Fatal("no goroutine of the client counted while it streams: the count is blind")
	}

	for _, col := range []*collector{live, waiting} {
		start := time.Now()
		col.stop(t)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Events took %v to return after cancel", d)
		}
	}
	// A loop that breaks closes its connection too.
	for ev, err := range c.Stream([]string{"lobby"}).Events(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind == tt.EventPresence {
			break
		}
	}
	c.Close()
	gone.Close()
	wait.ForNil(t, 10*time.Second, func() error {
		if n := clientGoroutines(); n > before {
			return errors.New(strings.Repeat("client goroutine left; ", n-before))
		}
		return nil
	})
}

// TestStreamRefusesWhatIsNotAStream: an answer that is not an event
// stream ends Events with an error that says so, at once, without
// retrying: a 404, an HTML page, the server's JSON error for a bad room.
func TestStreamRefusesWhatIsNotAStream(t *testing.T) {
	n := startNode(t, nil)
	tests := []struct {
		name  string
		base  string
		rooms []string
		check func(error) bool
	}{
		{"404 below another path", n.URL + "/nope", nil, func(err error) bool {
			return errors.Is(err, client.ErrNotEventStream) || isAPI(err, 404, tt.CodeNotFound)
		}},
		{"HTML page", htmlSite(t), nil, func(err error) bool {
			return errors.Is(err, client.ErrNotEventStream) && strings.Contains(err.Error(), "text/html")
		}},
		{"bad room", n.URL, []string{"Not A Room"}, func(err error) bool { return isAPI(err, 400, tt.CodeInvalidRoom) }},
		{"room twice", n.URL, []string{"a", "a"}, func(err error) bool { return isAPI(err, 400, tt.CodeInvalidParameter) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, tc.base)
			var errs []error
			events := 0
			for ev, err := range c.Stream(tc.rooms).Events(t.Context()) {
				if err != nil {
					errs = append(errs, err)
				} else {
					events++
					t.Errorf("event %+v", ev)
				}
			}
			if len(errs) != 1 || !tc.check(errs[0]) {
				t.Fatalf("Events yielded errors %v (and %d events), want one that names the answer", errs, events)
			}
			t.Log(errs[0])
		})
	}
}

// htmlSite is a web server that answers every path with a page, as a
// wrong base URL (a site, not a Tickertalk node) does.
func htmlSite(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><title>Welcome</title>")
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func isAPI(err error, status int, code string) bool {
	var ae *client.APIError
	return errors.As(err, &ae) && ae.StatusCode == status && ae.Code == code && ae.Message != ""
}

// TestStreamWaitsOutAFullNode: a node at its stream cap answers 503
// too_many_streams with Retry-After; the client does not give up but
// reports it and waits at least that long, then gets in once a place is
// free.
func TestStreamWaitsOutAFullNode(t *testing.T) {
	n := startNode(t, func(c *config.Config) { c.MaxStreams = 1 })
	first := newClient(t, n.URL)
	holder, _ := collect(t, first, []string{"lobby"})

	c := newClient(t, n.URL)
	if _, err := c.SetNick(t.Context(), "ann"); err != nil {
		t.Fatal(err)
	}
	col, _ := collectUnconnected(t, c, []string{"lobby"})
	wait.For(t, 15*time.Second, "a refused attempt", func() bool { return len(col.disconnected()) > 0 })
	refusedAt := col.disconnectedAt(0)
	var ae *client.APIError
	if err := col.disconnected()[0]; !errors.As(err, &ae) || ae.StatusCode != http.StatusServiceUnavailable ||
		ae.Code != tt.CodeTooManyStreams || ae.RetryAfter < time.Second || !ae.Temporary() {
		t.Fatalf("refused with %v, want a temporary 503 too_many_streams with Retry-After", err)
	}

	holder.stop(t)
	col.waitConnected(t, 1)
	if waited := time.Since(refusedAt); waited < ae.RetryAfter {
		t.Errorf("connected %v after the refusal, before its Retry-After %v", waited, ae.RetryAfter)
	}
	col.mu.Lock()
	err := col.err
	col.mu.Unlock()
	if err != nil {
		t.Fatalf("Events yielded %v for a refusal that retrying mends", err)
	}
	waitMessages(t, col, 15*time.Second, send(t, c, "lobby", "finally in"))
}

// TestStreamAfterResumesFromASavedID: a program that saved its last id
// starts a stream After it and gets what came since, replayed, and no
// more.
func TestStreamAfterResumesFromASavedID(t *testing.T) {
	n := startNode(t, nil)
	c := newClient(t, n.URL)
	if _, err := c.SetNick(t.Context(), "ann"); err != nil {
		t.Fatal(err)
	}
	first, err := c.Send(t.Context(), tt.SendRequest{Room: "lobby", Text: "seen"})
	if err != nil {
		t.Fatal(err)
	}
	want := send(t, c, "lobby", "missed 1", "missed 2")
	col, s := collectUnconnected(t, c, []string{"lobby"}, client.After(first.ID))
	waitMessages(t, col, 15*time.Second, want)
	if got := s.LastEventID(); got == first.ID || got == "" {
		t.Fatalf("LastEventID %q after the replay", got)
	}
}
