package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// TestReactionsAcrossSIGKILL: reactions acknowledged before a SIGKILL are
// in the tally scrollback gives after the restart, and the restarted server
// judges toggles from them (a repeat stores nothing, a take-back is
// stored).
func TestReactionsAcrossSIGKILL(t *testing.T) {
	srv := StartServer(t, WithFlags("--send-rate", "0"))
	ann := testclient.NewSession(t, srv.URL, "ann")
	bob := testclient.NewSession(t, srv.URL, "bob")
	m := ann.Send(t, "lobby", "react to me", "")
	react := func(c *testclient.Client, emoji string, on bool) int {
		t.Helper()
		data, err := json.Marshal(tt.Reaction{Room: "lobby", MessageID: m.ID, Emoji: emoji, On: on})
		if err != nil {
			t.Fatal(err)
		}
		status, err := c.PostJSON(context.Background(), tt.PathEvents,
			tt.EventRequest{Kind: tt.KindReaction.Name(), Data: data, ClientID: testclient.NewClientID()}, nil)
		if err != nil && status == 0 {
			t.Fatal(err)
		}
		return status
	}
	tally := func() []tt.EmojiCount {
		t.Helper()
		rs, _ := scrollbackReactions(t, ann, "lobby")
		return tt.Tally(rs).Counts(m.ID)
	}
	for _, step := range []struct {
		who   *testclient.Client
		emoji string
		on    bool
	}{{ann, "👍", true}, {bob, "👍", true}, {ann, "🎉", true}} {
		if status := react(step.who, step.emoji, step.on); status != http.StatusCreated {
			t.Fatalf("%s %s: %d, want 201", step.who.Nick, step.emoji, status)
		}
	}
	want := []tt.EmojiCount{{Emoji: "👍", Nicks: []string{"ann", "bob"}}, {Emoji: "🎉", Nicks: []string{"ann"}}}
	wait.For(t, 10*time.Second, "the reactions in the scrollback's tally", func() bool {
		return reflect.DeepEqual(tally(), want)
	})

	srv.Kill()
	srv.StartAgain()
	if got := tally(); !reflect.DeepEqual(got, want) {
		t.Fatalf("tally after the restart %v, want %v", got, want)
	}
	for _, step := range []struct {
		who    *testclient.Client
		emoji  string
		on     bool
		status int
	}{
		{ann, "👍", true, http.StatusAccepted},
		{bob, "🎉", false, http.StatusAccepted},
		{ann, "👍", false, http.StatusCreated},
	} {
		if status := react(step.who, step.emoji, step.on); status != step.status {
			t.Fatalf("after the restart %s %s on=%v: %d, want %d", step.who.Nick, step.emoji, step.on, status, step.status)
		}
	}
	// Scrollback reads what the log's follower has indexed, which may be
	// a moment behind the 201.
	want = []tt.EmojiCount{{Emoji: "👍", Nicks: []string{"bob"}}, {Emoji: "🎉", Nicks: []string{"ann"}}}
	wait.For(t, 10*time.Second, "the take-back in the scrollback's tally", func() bool {
		return reflect.DeepEqual(tally(), want)
	})
}
