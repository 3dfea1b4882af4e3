package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

func TestTwoClientsReceiveEveryMessage(t *testing.T) {
	n := startNode(t, "")
	a := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", "")
	b := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", "")
	other := testclient.OpenStream(t, n.URL+"/eventstream?room=other", "")
	for _, s := range []*testclient.Stream{a, b, other} {
		s.MustNext(t, 5*time.Second, isEvent(tt.EventPresence)) // registered
	}
	alice := n.newUser(t, "alice")
	var sent []tt.ChatMessage
	for i := range 5 {
		sent = append(sent, alice.Send(t, "lobby", fmt.Sprintf("hello %d", i), fmt.Sprintf("c-%d", i)))
	}
	for name, s := range map[string]*testclient.Stream{"a": a, "b": b} {
		for _, want := range sent {
			ev := s.MustNext(t, 5*time.Second, isEvent(tt.EventMessage))
			got := decode[tt.ChatMessage](t, ev.Data)
			if ev.ID != want.ID || got.ID != want.ID || got.Text != want.Text || got.Nick != "alice" {
				t.Fatalf("client %s got id %q %+v, want %+v", name, ev.ID, got, want)
			}
		}
	}
	// The other room gets nothing of lobby's: post there and it is the first message it sees.
	m := alice.Send(t, "other", "elsewhere", "c-other")
	if ev := other.MustNext(t, 5*time.Second, isEvent(tt.EventMessage)); ev.ID != m.ID {
		t.Fatalf("room other got message %s, want %s", ev.ID, m.ID)
	}
}

func TestStreamPreambleHeadersAndNoEmptyIDs(t *testing.T) {
	n := startNode(t, "", func(o *Options) { o.Heartbeat = 100 * time.Millisecond })
	if err := n.srv.Ticker([]byte(`{"quotes":[{"symbol":"ACME","price":1,"open":1}]}`)); err != nil {
		t.Fatal(err)
	}
	s := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", "")
	for k, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
		if got := s.Response.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if ev := s.MustNext(t, 2*time.Second, anyEvent); ev.Comment != "ok" {
		t.Fatalf("first event = %+v, want the :ok comment", ev)
	}
	snap := s.MustNext(t, 2*time.Second, isEvent(tt.EventUpdate))
	if u := decode[tt.TickerUpdate](t, snap.Data); len(u.History["ACME"]) == 0 {
		t.Fatalf("first update has no history: %s", snap.Data)
	}
	alice := n.newUser(t, "alice")
	m := alice.Send(t, "lobby", "hi", "c1")
	// Every event without a message id must carry no id line at all, or the
	// browser's lastEventId would be reset: read the message, then an update
	// and a ping after it, checking every event on the way.
	deadline := time.Now().Add(5 * time.Second)
	expect := func(what string, match func(testclient.Event) bool) {
		t.Helper()
		for time.Now().Before(deadline) {
			ev := s.MustNext(t, time.Until(deadline), anyEvent)
			if ev.HasID && ev.Event != tt.EventMessage {
				t.Fatalf("%q event carries an id line %q", ev.Event, ev.ID)
			}
			if match(ev) {
				return
			}
		}
		t.Fatalf("no %s within 5 s", what)
	}
	expect("message", func(ev testclient.Event) bool { return ev.Event == tt.EventMessage && ev.ID == m.ID })
	if err := n.srv.Ticker([]byte(`{"quotes":[{"symbol":"ACME","price":2,"open":1}]}`)); err != nil {
		t.Fatal(err)
	}
	expect("update", isEvent(tt.EventUpdate))
	expect("ping", func(ev testclient.Event) bool { return ev.Comment == "ping" })
}

func TestResumeReplaysExactlyTheMissedMessages(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	alice := n.newUser(t, "alice")
	first := alice.Send(t, "lobby", "before", "c-before")
	s := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", "")
	s.MustNext(t, 5*time.Second, isEvent(tt.EventPresence))
	s.Close()

	var missed []tt.ChatMessage
	for i := range 50 {
		missed = append(missed, alice.Send(t, "lobby", fmt.Sprintf("missed %d", i), fmt.Sprintf("m-%d", i)))
		alice.Send(t, "elsewhere", "noise", fmt.Sprintf("n-%d", i))
	}
	liveN := 0
	check := func(t *testing.T, url, lastEventID string) {
		r := testclient.OpenStream(t, url, lastEventID)
		for i, want := range missed {
			ev := r.MustNext(t, 5*time.Second, isEvent(tt.EventMessage))
			if ev.ID != want.ID {
				t.Fatalf("replayed #%d has id %s, want %s", i, ev.ID, want.ID)
			}
		}
		liveN++
		live := alice.Send(t, "lobby", "live", fmt.Sprintf("live-%d", liveN))
		if ev := r.MustNext(t, 5*time.Second, isEvent(tt.EventMessage)); ev.ID != live.ID {
			t.Fatalf("after replay got %s, want live message %s", ev.ID, live.ID)
		}
		missed = append(missed, live) // the next resume from first must replay it too
	}
	t.Run("header", func(t *testing.T) {
		check(t, n.URL+"/eventstream?room=lobby", first.ID)
	})
	// The PWA restoring from its cache passes the id in the query.
	t.Run("query after restart", func(t *testing.T) {
		n.Close()
		n2 := startNode(t, dir)
		alice.BaseURL = n2.URL
		check(t, n2.URL+"/eventstream?room=lobby&lastEventId="+first.ID, "")
	})
}

func TestResyncOnBadOrOldLastEventID(t *testing.T) {
	n := startNode(t, "")
	alice := n.newUser(t, "alice")
	m := alice.Send(t, "lobby", "x", "c1")
	last := seqOf(t, m.ID)
	for _, id := range []string{"abc", "-1", "1e3", "007", n.id(last + 100)} {
		t.Run(id, func(t *testing.T) {
			s := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", id)
			ev := s.MustNext(t, 5*time.Second, func(ev testclient.Event) bool { return ev.Comment != "ok" })
			if ev.Event != tt.EventResync {
				t.Fatalf("first event = %+v, want resync", ev)
			}
		})
	}
	if got := testutil.ToFloat64(n.srv.metrics.resyncs); got != 5 {
		t.Fatalf("resyncs metric = %v, want 5", got)
	}
}
