package server

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// awaitReturns runs a.await(k) and fails unless it returns within the
// test's patience (the answers' own hold being far longer).
func awaitReturns(t *testing.T, a *answers, k answerKey, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		a.await(k)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("await did not return: %s", what)
	}
}

func TestAnswersHoldOnlyTheirOwnEvent(t *testing.T) {
	a := &answers{wait: time.Hour}
	mine, other := newAnswerKey("s1", "", "c1"), newAnswerKey("s1", "", "c2")
	answered := a.expect(mine)
	awaitReturns(t, a, other, "an event with no answer pending is held")
	if got := a.held.Load(); got != 0 {
		t.Fatalf("%d events held, want 0", got)
	}

	retry := a.expect(mine) // the same event sent again while pending
	retry()
	held := make(chan struct{})
	go func() {
		a.await(mine)
		close(held)
	}()
	wait := time.After(10 * time.Second)
	for a.held.Load() == 0 {
		select {
		case <-held:
			t.Fatal("the retry's end released the first send's hold")
		case <-wait:
			t.Fatal("the event was never held")
		case <-time.After(time.Millisecond):
		}
	}
	answered()
	answered() // twice is harmless
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the answer did not release its event")
	}
	awaitReturns(t, a, mine, "an answered event is held again")

	// A durable event's key is its kind's: a message of the same client
	// id is another event.
	if newAnswerKey("s1", "vote", "c1") == mine {
		t.Fatal("a vote and a message of one client id share a key")
	}
}

func TestAnswersHoldAtMostTheirWait(t *testing.T) {
	a := &answers{wait: 20 * time.Millisecond}
	k := newAnswerKey("s1", "", "c1")
	defer a.expect(k)()
	start := time.Now()
	awaitReturns(t, a, k, "a hold never answered")
	if d := time.Since(start); d < a.wait {
		t.Fatalf("held %v, want the whole %v when no answer comes", d, a.wait)
	}
}

// TestTheRoomWaitsForTheAnswer: a message or durable event sent to this
// node is held back from the room's streams while its answer is pending,
// and goes once it is written. The test holds the answer itself (a send
// of an event already pending registers nothing of its own), so the
// stream's not having the event while the follower holds it is certain.
func TestTheRoomWaitsForTheAnswer(t *testing.T) {
	n := votingNode(t)
	n.srv.answers.mu.Lock()
	n.srv.answers.wait = time.Hour
	n.srv.answers.mu.Unlock()
	s := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", "")
	alice := testclient.NewSession(t, n.URL, "alice")
	si, err := n.st.Session(context.Background(), alice.SessionCookie().Value)
	if err != nil {
		t.Fatalf("alice's session: %v", err)
	}
	vote := kindPollVote.Info().Name
	tests := []struct {
		name string
		kind string
		send func(clientID string) (id string)
	}{
		{"message", "", func(clientID string) string { return alice.Send(t, "lobby", "hello", clientID).ID }},
		{"durable event", vote, func(clientID string) string {
			status, id := postVote(t, alice, "lobby", "yes", clientID)
			if status != http.StatusCreated {
				t.Fatalf("vote: %d, want 201", status)
			}
			return id
		}},
	}
	for i, tc := range tests {
		clientID := testclient.NewClientID()
		answered := n.srv.answers.expect(newAnswerKey(si.ID, tc.kind, clientID))
		id := tc.send(clientID)
		wait.For(t, 10*time.Second, tc.name+" held for its answer", func() bool { return n.srv.answers.held.Load() == uint64(i+1) })
		has := func(evs []testclient.Event) bool {
			return slices.ContainsFunc(evs, func(e testclient.Event) bool { return e.ID == id })
		}
		if has(s.Events()) {
			t.Fatalf("%s %s reached the room before its answer was written", tc.name, id)
		}
		answered()
		s.WaitFor(t, 10*time.Second, tc.name+" once answered", has)
	}

	// Sent with no hold of the test's, an event is released by its own
	// answer: one never released would be held for the hour.
	for _, tc := range tests {
		id := tc.send(testclient.NewClientID())
		s.WaitFor(t, 10*time.Second, tc.name+" released by its answer", func(evs []testclient.Event) bool {
			return slices.ContainsFunc(evs, func(e testclient.Event) bool { return e.ID == id })
		})
	}
}
