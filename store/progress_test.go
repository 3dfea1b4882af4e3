package store

import (
	"fmt"
	"log/slog"
	"regexp"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/syncbuf"
)

// TestSlowLoadLogsItsProgress: a follower that takes longer than
// progressEvery to load the chat log says where it is, at info level, while
// it loads (a long start-up is never silent).
func TestSlowLoadLogsItsProgress(t *testing.T) {
	const n = 5
	cfg := testConfig(t)
	s, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, _, err := s.Publish(t.Context(), chatMsg("lobby", fmt.Sprintf("m%d", i)), ""); err != nil {
			t.Fatalf("Publish %d: %v", i, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	logs := &syncbuf.Buffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s = openTest(t, cfg)
	delivered := 0
	if err := s.FollowWith(t.Context(), Hooks{
		Message: func(tt.ChatMessage) {
			delivered++
			if delivered == 1 {
				// A slow load, not a synchronisation: the first message
				// takes longer than the progress interval.
				<-time.After(progressEvery + 100*time.Millisecond)
			}
		},
	}); err != nil {
		t.Fatal(err)
	}
	if delivered != n {
		t.Fatalf("%d messages loaded, want %d", delivered, n)
	}
	if re := regexp.MustCompile(`level=INFO msg="loading the chat log" at=\d+ of=\d+ pending=[1-9]\d* took=`); !re.MatchString(logs.String()) {
		t.Errorf("no progress line matching %s while loading:\n%s", re, logs)
	}
}
