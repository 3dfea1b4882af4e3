package server

import (
	"context"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// TestResumeAheadOfHistoryWaits: a client that resumes from an id this
// node's history does not hold yet (it moved from a node a few
// milliseconds ahead) gets no resync: the resume waits for the history,
// then goes on live, without the message it already had.
func TestResumeAheadOfHistoryWaits(t *testing.T) {
	t.Parallel()
	n := startNode(t, "")
	alice := n.newUser(t, "alice")
	first := alice.Send(t, "lobby", "one", "")
	ahead := n.id(seqOf(t, first.ID) + 1) // the id the next message gets
	s := testclient.OpenStream(t, n.URL+tt.PathEventStream+"?room=lobby", ahead)
	// The preamble goes first; the resume is checked right after it, so
	// the next send lands while the resume waits.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.Next(ctx); err != nil {
		t.Fatalf("preamble: %v", err)
	}
	second := alice.Send(t, "lobby", "two", "")
	if second.ID != ahead {
		t.Fatalf("second message id %s, want %s", second.ID, ahead)
	}
	third := alice.Send(t, "lobby", "three", "")
	ev := s.MustNextEvent(t, 5*time.Second, tt.EventMessage, tt.EventResync)
	if ev.Event != tt.EventMessage || ev.ID != third.ID {
		t.Fatalf("resume from %s: first event %s %s %q, want message %s", ahead, ev.Event, ev.ID, ev.Data, third.ID)
	}
}
