package e2e

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// TestResumeAfterDowntime: a client disconnects, misses 50 messages, and
// reconnects with its Last-Event-ID to a server that was stopped in between
// (cleanly, or by SIGKILL): it gets exactly those 50, in order, then live
// ones.
func TestResumeAfterDowntime(t *testing.T) {
	tests := []struct {
		name string
		down func(*Server)
	}{
		{"no restart", func(*Server) {}},
		{"SIGTERM restart", func(s *Server) { s.Restart() }},
		{"SIGKILL restart", func(s *Server) { s.Kill(); s.StartAgain() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := StartServer(t, WithFlags("--send-rate", "0"))
			alice := testclient.NewSession(t, srv.URL, "alice")
			url := srv.URL + tt.PathEventStream + "?room=lobby"
			s := testclient.OpenStream(t, url, "")
			s.MustNextEvent(t, 10*time.Second, tt.EventPresence)
			first := alice.Send(t, "lobby", "seen", "")
			if ev := s.MustNextEvent(t, 10*time.Second, tt.EventMessage); ev.ID != first.ID {
				t.Fatalf("live message %s, want %s", ev.ID, first.ID)
			}
			s.Close()

			var missed []string
			for i := range 50 {
				missed = append(missed, alice.Send(t, "lobby", fmt.Sprintf("missed %d", i), "").ID)
			}
			tc.down(srv)

			r := testclient.OpenStream(t, url, first.ID)
			for i, want := range missed {
				if ev := r.MustNextEvent(t, 10*time.Second, tt.EventMessage, tt.EventResync); ev.ID != want {
					t.Fatalf("resumed #%d: %s %q, want message %s", i, ev.Event, ev.ID, want)
				}
			}
			live := alice.Send(t, "lobby", "live", "")
			if ev := r.MustNextEvent(t, 10*time.Second, tt.EventMessage); ev.ID != live.ID {
				t.Fatalf("after the replay got %s, want the live message %s", ev.ID, live.ID)
			}
		})
	}
}

// TestSIGKILLMidStreamLosesNothingAcknowledged kills the server while a
// sender posts as fast as it can and a reader follows the stream. After a
// restart on the same data dir, the reader resumes from its last id: every
// message the server acknowledged (201) is delivered, once, in id order.
func TestSIGKILLMidStreamLosesNothingAcknowledged(t *testing.T) {
	srv := StartServer(t, WithFlags("--send-rate", "0"))
	alice := testclient.NewSession(t, srv.URL, "alice")
	url := srv.URL + tt.PathEventStream + "?room=lobby"
	r := testclient.OpenStream(t, url, "")
	r.MustNextEvent(t, 10*time.Second, tt.EventPresence)

	var mu sync.Mutex
	var acked []string
	ctx, stop := context.WithCancel(context.Background())
	senderDone := make(chan struct{})
	go func() { // posts until the server dies, keeping what it acknowledged
		defer close(senderDone)
		for i := 0; ctx.Err() == nil; i++ {
			var m tt.ChatMessage
			_, err := alice.PostJSON(ctx, tt.PathSend, tt.SendRequest{Room: "lobby", Text: fmt.Sprintf("m%d", i), ClientID: testclient.NewClientID()}, &m)
			if err != nil {
				return
			}
			mu.Lock()
			acked = append(acked, m.ID)
			mu.Unlock()
		}
	}()

	// Read until a good number of messages went by, then kill mid-stream.
	seen := map[string]bool{}
	last := ""
	read := func(s *testclient.Stream, until func() bool) {
		t.Helper()
		for !until() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			ev, err := s.NextEvent(ctx, tt.EventMessage, tt.EventResync)
			cancel()
			if errors.Is(err, testclient.ErrStreamClosed) {
				return
			}
			if err != nil {
				t.Fatalf("read stream: %v (last id %s)", err, last)
			}
			if ev.Event == tt.EventResync {
				t.Fatalf("resync after a restart: %s", ev.Data)
			}
			if seen[ev.ID] {
				t.Fatalf("message %s delivered twice", ev.ID)
			}
			if last != "" && mustSeq(t, ev.ID) <= mustSeq(t, last) {
				t.Fatalf("message %s after %s: out of order", ev.ID, last)
			}
			seen[ev.ID], last = true, ev.ID
		}
	}
	// Read some, then lose the reader's connection (as a phone does) while
	// the sender goes on, so that the kill finds acknowledged messages the
	// reader has not seen.
	read(r, func() bool { return len(seen) >= 100 })
	r.Close()
	wait.ForNil(t, 30*time.Second, func() error { // the sender's progress
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n < 400 {
			return fmt.Errorf("only %d messages acknowledged", n)
		}
		return nil
	})
	srv.Kill()
	stop()
	<-senderDone
	beforeKill := len(seen)

	srv.StartAgain()
	mu.Lock()
	want := append([]string(nil), acked...)
	mu.Unlock()
	r2 := testclient.OpenStream(t, url, last)
	read(r2, func() bool { return len(want) == 0 || seen[want[len(want)-1]] })
	for _, id := range want {
		if !seen[id] {
			t.Fatalf("acknowledged message %s was never delivered (%d acknowledged, last seen %s)", id, len(want), last)
		}
	}
	if len(seen) == beforeKill {
		t.Fatal("nothing was left to resume: the test did not kill mid-stream")
	}
	t.Logf("%d acknowledged; %d read before the kill, %d after the restart", len(want), beforeKill, len(seen)-beforeKill)
}

// mustSeq returns the sequence of the message id s.
func mustSeq(t *testing.T, s string) int {
	t.Helper()
	id, ok := tt.ParseMessageID(s)
	if !ok {
		t.Fatalf("%q is not a message id", s)
	}
	return int(id.Seq)
}
