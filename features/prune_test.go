package features

import (
	"context"
	"fmt"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/internal/wait"
	"tickertalk/server"
	"tickertalk/store"
)

// TestReactionsForgetMessagesTheLogDiscarded: in a room that keeps 6
// entries, reacting to message after message keeps the tally of the
// messages still retained and forgets the others, so a long-lived room's
// tally does not grow with its history.
func TestReactionsForgetMessagesTheLogDiscarded(t *testing.T) {
	const keep = 6
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir(), History: keep})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Options{Log: st, Sessions: st, History: history.New(keep), Ready: st.Ready, Events: st})
	t.Cleanup(func() {
		srv.Close()
		cancel()
		_ = st.Close()
	})
	rx := newReactions(srv, 4)
	server.Observe(srv, tt.KindReaction, rx.apply)
	err = st.FollowWith(ctx, store.Hooks{
		Message: func(m tt.ChatMessage) { _ = srv.Deliver(m) },
		Event:   func(e history.Entry) { _ = srv.DeliverEvent(e) },
	})
	if err != nil {
		t.Fatal(err)
	}

	ann := server.Command{Session: "s-ann", Nick: "ann"}
	size := func() int {
		rx.mu.Lock()
		defer rx.mu.Unlock()
		return len(rx.rooms["lobby"])
	}
	most := 0
	var last string
	for i := range 30 {
		last, err = server.Publish(t.Context(), srv, tt.KindMessage, tt.ChatMessage{Room: "lobby", Nick: "ann", Text: fmt.Sprint(i)}, server.From{})
		if err != nil {
			t.Fatal(err)
		}
		wait.ForNil(t, 10*time.Second, func() error {
			switch ok, err := rx.isMessage("lobby", last); {
			case err != nil:
				return fmt.Errorf("look up message %s: %w", last, err)
			case !ok:
				return fmt.Errorf("message %s not in the index", last)
			}
			return nil
		})
		if err := rx.handle(t.Context(), ann, tt.Reaction{Room: "lobby", MessageID: last, Emoji: "👍", On: true}); err != nil {
			t.Fatalf("reaction %d: %v", i, err)
		}
		most = max(most, size())
	}
	// The room retains 3 messages and their 3 reactions; between two
	// prunings the tally at most doubles.
	if most > 2*keep {
		t.Fatalf("the tally held %d messages at most, want at most %d: it is not pruned", most, 2*keep)
	}
	if !rx.isOn(reactionKey{"lobby", last, "👍", "ann"}) {
		t.Fatalf("the latest message's reaction was forgotten")
	}
}
