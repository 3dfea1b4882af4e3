package store

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	tt "tickertalk/app"
)

func benchStore(b *testing.B, cfg Config) *Store {
	b.Helper()
	cfg.DataDir = b.TempDir()
	cfg.Logger = slog.New(slog.DiscardHandler)
	s, err := Open(b.Context(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// BenchmarkPublish measures sequential acknowledged publishes (one in
// flight at a time, as one POST /send is).
func BenchmarkPublish(b *testing.B) {
	for _, sync := range []bool{false, true} {
		b.Run(fmt.Sprint("SyncAlways=", sync), func(b *testing.B) {
			s := benchStore(b, Config{SyncAlways: sync})
			m := tt.ChatMessage{Room: "lobby", Nick: "alice", Text: "a message of about a hundred bytes, as chat messages often are", Time: time.Now()}
			i := 0
			for b.Loop() {
				i++
				if _, _, err := s.Publish(b.Context(), m, fmt.Sprint("id-", i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFollowCatchUp measures how long Follow takes to replay a full
// room of tt.DefaultHistory messages before the server may listen.
func BenchmarkFollowCatchUp(b *testing.B) {
	s := benchStore(b, Config{})
	m := tt.ChatMessage{Room: "lobby", Nick: "alice", Text: "history", Time: time.Now()}
	for range tt.DefaultHistory {
		if _, _, err := s.Publish(b.Context(), m, ""); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		n := 0
		ctx, cancel := context.WithCancel(b.Context())
		err := s.Follow(ctx, func(tt.ChatMessage) { n++ })
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		if n != tt.DefaultHistory {
			b.Fatalf("caught up with %d messages, want %d", n, tt.DefaultHistory)
		}
	}
	b.ReportMetric(float64(tt.DefaultHistory), "msgs/op")
}
