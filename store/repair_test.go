package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/wait"
)

// TestRestartJetStreamKeepsFollowingAndWriting: the repair of a store
// that keeps failing to write restarts the embedded JetStream in-process.
// The follower goes on without a gap or a duplicate, and writes and
// sessions work again, on the same Store.
func TestRestartJetStreamKeepsFollowingAndWriting(t *testing.T) {
	s := openTest(t, testConfig(t))
	texts := make([]string, 6)
	want := make([]tt.ChatMessage, len(texts))
	for i := range texts {
		texts[i] = fmt.Sprintf("m%d", i)
		want[i] = chatMsg("lobby", texts[i])
	}
	publishRetrying(t, s, texts[:3])
	c := follow(t, s)
	if err := s.restartJetStream(); err != nil {
		t.Fatalf("restartJetStream: %v", err)
	}
	publishRetrying(t, s, texts[3:])
	wait.For(t, 20*time.Second, "every message", func() bool { return c.len() >= len(texts) })
	checkStream(t, c.snapshot(), want, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.CreateSession(ctx, "tok-after-restart", "alice"); err != nil {
		t.Errorf("CreateSession after the restart: %v", err)
	}
	if err := s.Ready(); err != nil {
		t.Errorf("Ready after the restart: %v", err)
	}
}
