package server

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	tt "tickertalk/app"
)

func TestTwoClientsReceiveEveryMessage(t *testing.T) {
	n := startNode(t, "")
	a := openStream(t, n.URL+"/eventstream?room=lobby", nil)
	b := openStream(t, n.URL+"/eventstream?room=lobby", nil)
	other := openStream(t, n.URL+"/eventstream?room=other", nil)
	for _, s := range []*sseStream{a, b, other} {
		s.next(5*time.Second, isEvent(tt.EventPresence)) // registered
	}
	alice := n.newUser(t, "alice")
	var sent []tt.ChatMessage
	for i := range 5 {
		sent = append(sent, alice.send("lobby", fmt.Sprintf("hello %d", i), fmt.Sprintf("c-%d", i)))
	}
	for name, s := range map[string]*sseStream{"a": a, "b": b} {
		for _, want := range sent {
			ev := s.next(5*time.Second, isEvent(tt.EventMessage))
			got := decode[tt.ChatMessage](t, ev.Data)
			if ev.ID != want.ID || got.ID != want.ID || got.Text != want.Text || got.Nick != "alice" {
				t.Fatalf("client %s got id %q %+v, want %+v", name, ev.ID, got, want)
			}
		}
	}
	// The other room gets nothing of lobby's: post there and it is the first message it sees.
	m := alice.send("other", "elsewhere", "c-other")
	if ev := other.next(5*time.Second, isEvent(tt.EventMessage)); ev.ID != m.ID {
		t.Fatalf("room other got message %s, want %s", ev.ID, m.ID)
	}
}

func TestStreamPreambleHeadersAndNoEmptyIDs(t *testing.T) {
	n := startNode(t, "", func(o *Options) { o.Heartbeat = 100 * time.Millisecond })
	if err := n.srv.Ticker([]byte(`{"quotes":[{"symbol":"ACME","price":1,"open":1}]}`)); err != nil {
		t.Fatal(err)
	}
	s := openStream(t, n.URL+"/eventstream?room=lobby", nil)
	for k, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
		if got := s.resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if ev := s.next(2*time.Second, func(sseEvent) bool { return true }); ev.Comment != "ok" {
		t.Fatalf("first event = %+v, want the :ok comment", ev)
	}
	snap := s.next(2*time.Second, isEvent(tt.EventUpdate))
	if u := decode[tt.TickerUpdate](t, snap.Data); len(u.History["ACME"]) == 0 {
		t.Fatalf("first update has no history: %s", snap.Data)
	}
	alice := n.newUser(t, "alice")
	m := alice.send("lobby", "hi", "c1")
	// Every event without a message id must carry no id line at all, or the
	// browser's lastEventId would be reset: read the message, then an update
	// and a ping after it, checking every event on the way.
	deadline := time.Now().Add(5 * time.Second)
	expect := func(what string, match func(sseEvent) bool) {
		t.Helper()
		for time.Now().Before(deadline) {
			ev := s.next(time.Until(deadline), func(sseEvent) bool { return true })
			if ev.HasID && ev.Event != tt.EventMessage {
				t.Fatalf("%q event carries an id line %q", ev.Event, ev.ID)
			}
			if match(ev) {
				return
			}
		}
		t.Fatalf("no %s within 5 s", what)
	}
	expect("message", func(ev sseEvent) bool { return ev.Event == tt.EventMessage && ev.ID == m.ID })
	if err := n.srv.Ticker([]byte(`{"quotes":[{"symbol":"ACME","price":2,"open":1}]}`)); err != nil {
		t.Fatal(err)
	}
	expect("update", isEvent(tt.EventUpdate))
	expect("ping", func(ev sseEvent) bool { return ev.Comment == "ping" })
}

func TestResumeReplaysExactlyTheMissedMessages(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	alice := n.newUser(t, "alice")
	first := alice.send("lobby", "before", "c-before")
	s := openStream(t, n.URL+"/eventstream?room=lobby", nil)
	s.next(5*time.Second, isEvent(tt.EventPresence))
	s.Close()

	var missed []tt.ChatMessage
	for i := range 50 {
		missed = append(missed, alice.send("lobby", fmt.Sprintf("missed %d", i), fmt.Sprintf("m-%d", i)))
		alice.send("elsewhere", "noise", fmt.Sprintf("n-%d", i))
	}
	liveN := 0
	check := func(t *testing.T, url string, hdr map[string]string) {
		r := openStream(t, url, hdr)
		for i, want := range missed {
			ev := r.next(5*time.Second, isEvent(tt.EventMessage))
			if ev.ID != want.ID {
				t.Fatalf("replayed #%d has id %s, want %s", i, ev.ID, want.ID)
			}
		}
		liveN++
		live := alice.send("lobby", "live", fmt.Sprintf("live-%d", liveN))
		if ev := r.next(5*time.Second, isEvent(tt.EventMessage)); ev.ID != live.ID {
			t.Fatalf("after replay got %s, want live message %s", ev.ID, live.ID)
		}
		missed = append(missed, live) // the next resume from first must replay it too
	}
	t.Run("header", func(t *testing.T) {
		check(t, n.URL+"/eventstream?room=lobby", map[string]string{"Last-Event-ID": first.ID})
	})
	// The PWA restoring from its cache passes the id in the query.
	t.Run("query after restart", func(t *testing.T) {
		n.Close()
		n2 := startNode(t, dir)
		alice.base = n2.URL
		check(t, n2.URL+"/eventstream?room=lobby&lastEventId="+first.ID, nil)
	})
}

func TestResyncOnBadOrOldLastEventID(t *testing.T) {
	n := startNode(t, "")
	alice := n.newUser(t, "alice")
	m := alice.send("lobby", "x", "c1")
	last, _ := strconv.Atoi(m.ID)
	for _, id := range []string{"abc", "-1", "1e3", "007", strconv.Itoa(last + 100)} {
		t.Run(id, func(t *testing.T) {
			s := openStream(t, n.URL+"/eventstream?room=lobby", map[string]string{"Last-Event-ID": id})
			ev := s.next(5*time.Second, func(ev sseEvent) bool { return ev.Comment != "ok" })
			if ev.Event != tt.EventResync {
				t.Fatalf("first event = %+v, want resync", ev)
			}
		})
	}
	if got := testutil.ToFloat64(n.srv.metrics.resyncs); got != 5 {
		t.Fatalf("resyncs metric = %v, want 5", got)
	}
}
