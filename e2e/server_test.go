package e2e

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// TestServerStreamAndSend checks the harness against the binary without a
// browser: the stream starts with :ok and a ticker update, a message sent
// through /send arrives with its id, and a stream opened with that id as
// Last-Event-ID after a restart on the same port replays only what came
// after it; the session cookie survives the restart.
func TestServerStreamAndSend(t *testing.T) {
	srv := StartServer(t)
	streamURL := srv.URL + tt.PathEventStream + "?" + tt.QueryRoom + "=" + tt.DefaultRoom

	s := testclient.OpenStream(t, streamURL, "")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if first, err := s.Next(ctx); err != nil || first.Comment != "ok" {
		t.Fatalf("first thing on the stream = %+v, %v; want the :ok comment", first, err)
	}
	s.MustNextEvent(t, 10*time.Second, tt.EventUpdate)

	alice := testclient.NewSession(t, srv.URL, "alice")
	m1 := alice.Send(t, tt.DefaultRoom, "first", "")
	e := s.MustNextEvent(t, 10*time.Second, tt.EventMessage)
	if e.ID != m1.ID || !e.HasID {
		t.Fatalf("message event id = %q (has %v), want %q", e.ID, e.HasID, m1.ID)
	}
	upd := s.MustNextEvent(t, 10*time.Second, tt.EventUpdate)
	if upd.LastEventID != m1.ID {
		t.Errorf("after an update the last event id is %q, want %q: the update reset it", upd.LastEventID, m1.ID)
	}
	s.Close()

	addr := srv.Addr
	srv.Restart()
	if srv.Addr != addr {
		t.Fatalf("restart moved the server from %s to %s", addr, srv.Addr)
	}
	m2 := alice.Send(t, tt.DefaultRoom, "second", "")

	r := testclient.OpenStream(t, streamURL, m1.ID)
	got := r.MustNextEvent(t, 10*time.Second, tt.EventMessage, tt.EventResync)
	if got.Event != tt.EventMessage || got.ID != m2.ID {
		t.Fatalf("resumed from %s: got %s id %q %q, want message %s", m1.ID, got.Event, got.ID, got.Data, m2.ID)
	}
}

// TestServerStopIsClean checks that SIGTERM ends the server with status 0.
func TestServerStopIsClean(t *testing.T) {
	srv := StartServer(t)
	if err := srv.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := http.Get(srv.URL + tt.PathHealth); err == nil {
		t.Fatalf("server still answers after Stop")
	}
}

// TestServerSendErrors checks the harness's error path: /send without a
// session is a 401 with the contract's JSON error.
func TestServerSendErrors(t *testing.T) {
	srv := StartServer(t)
	c := testclient.NewClient(t, srv.URL)
	_, err := c.PostJSON(t.Context(), tt.PathSend, tt.SendRequest{Room: tt.DefaultRoom, Text: "hi", ClientID: testclient.NewClientID()}, nil)
	var se *testclient.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
		t.Fatalf("POST /send without session: %v, want 401", err)
	}
	if got, want := se.APIError().Code, tt.CodeNoSession; got != want {
		t.Errorf("error code = %q, want %q", got, want)
	}
}
