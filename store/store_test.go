package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
)

// testConfig is a Config on a fresh temporary directory that logs warnings
// to the test output.
func testConfig(t *testing.T) Config {
	t.Helper()
	return Config{
		DataDir: t.TempDir(),
		Logger:  slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

// openTest opens a Store and closes it when the test ends.
func openTest(t *testing.T, cfg Config) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// attachTest connects a second Store to s's embedded server, as a second
// node of a cluster would.
func attachTest(t *testing.T, s *Store) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	o, err := connect(ctx, s.cfg, s.srv, false)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = o.Close() })
	return o
}

// collector records what Follow delivers.
type collector struct {
	mu   sync.Mutex
	msgs []tt.ChatMessage
}

func (c *collector) add(m tt.ChatMessage) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.msgs)
}

func (c *collector) snapshot() []tt.ChatMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]tt.ChatMessage(nil), c.msgs...)
}

// follow starts Follow into a new collector, stopped when the test ends.
func follow(t *testing.T, s *Store) *collector {
	t.Helper()
	c := &collector{}
	if err := s.Follow(t.Context(), c.add); err != nil {
		t.Fatalf("Follow: %v", err)
	}
	return c
}

// publish stores a message and fails the test on error.
func publish(t *testing.T, s *Store, room, text, dedupID string) uint64 {
	t.Helper()
	seq, dup, err := s.Publish(t.Context(), chatMsg(room, text), dedupID)
	if err != nil {
		t.Fatalf("Publish(%s, %q): %v", room, text, err)
	}
	if dup {
		t.Fatalf("Publish(%s, %q): unexpected duplicate", room, text)
	}
	return seq
}

func chatMsg(room, text string) tt.ChatMessage {
	return tt.ChatMessage{Room: room, Nick: "alice", Text: text, Time: time.Now().UTC().Truncate(time.Millisecond), ClientID: "c-" + text}
}

// checkStream fails unless got holds exactly the messages want (room/text),
// in order, with ids equal to seqs.
func checkStream(t *testing.T, got []tt.ChatMessage, want []tt.ChatMessage, seqs []uint64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].Room != want[i].Room || got[i].Text != want[i].Text {
			t.Errorf("message %d = %s/%q, want %s/%q", i, got[i].Room, got[i].Text, want[i].Room, want[i].Text)
		}
		if seqs != nil {
			if seq, ok := tt.MessageSeq(got[i].ID); !ok || seq != seqs[i] {
				t.Errorf("message %d id = %q, want sequence %d", i, got[i].ID, seqs[i])
			}
		}
	}
}

func TestOpenCloseReady(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	if err := s.Ready(); err != nil {
		t.Fatalf("Ready() = %v on an open store", err)
	}
	if got := s.ClientURL(); got != "" {
		t.Errorf("ClientURL() = %q without ListenAddr, want empty", got)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Ready(); err == nil {
		t.Fatal("Ready() = nil after Close")
	}
	if err := s.Follow(t.Context(), func(tt.ChatMessage) {}); err == nil {
		t.Fatal("Follow after Close succeeded")
	}
}

func TestRestartKeepsMessagesAndSessions(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	ctx := t.Context()

	s := openTest(t, cfg)
	var want []tt.ChatMessage
	var seqs []uint64
	for i, room := range []string{"lobby", "dev", "lobby"} {
		m := chatMsg(room, fmt.Sprint("before-", i))
		// This m, not another made a millisecond later: its time is checked.
		seq, _, err := s.Publish(ctx, m, fmt.Sprint("d", i))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
		want = append(want, m)
	}
	if err := s.CreateSession(ctx, "token-1", "Alice"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, cfg)
	checkStream(t, follow(t, s).snapshot(), want, seqs)
	m, err := s.Message(ctx, seqs[1])
	if err != nil || m.Text != "before-1" || m.ID != (tt.MessageID{Log: s.LogID(), Seq: seqs[1]}).String() || !m.Time.Equal(want[1].Time) || m.ClientID != want[1].ClientID {
		t.Fatalf("Message(%d) = %+v, %v", seqs[1], m, err)
	}
	if nick, err := sessionNick(ctx, s, "token-1"); err != nil || nick != "Alice" {
		t.Fatalf("Session after restart = %q, %v", nick, err)
	}
	if err := s.CreateSession(ctx, "token-2", "alice"); !errors.Is(err, ErrNickTaken) {
		t.Fatalf("claiming a held nick after restart: %v, want ErrNickTaken", err)
	}
	// The dedup window survives too.
	if seq, dup, err := s.Publish(ctx, chatMsg("lobby", "again"), "d0"); err != nil || !dup || seq != seqs[0] {
		t.Fatalf("republish after restart = %d, %v, %v; want %d, true", seq, dup, err, seqs[0])
	}
	if seq := publish(t, s, "lobby", "after", "d9"); seq != seqs[2]+1 {
		t.Fatalf("first sequence after restart = %d, want %d", seq, seqs[2]+1)
	}
}

func TestHistoryBound(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.History = 5
	s := openTest(t, cfg)
	var want []tt.ChatMessage
	var seqs []uint64
	for i := range 8 {
		seq := publish(t, s, "big", fmt.Sprint("big-", i), "")
		if i >= 3 {
			want, seqs = append(want, chatMsg("big", fmt.Sprint("big-", i))), append(seqs, seq)
		}
	}
	for i := range 2 {
		seq := publish(t, s, "small", fmt.Sprint("small-", i), "")
		want, seqs = append(want, chatMsg("small", fmt.Sprint("small-", i))), append(seqs, seq)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, cfg)
	checkStream(t, follow(t, s).snapshot(), want, seqs)
	if _, err := s.Message(t.Context(), 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Message(1) past the history bound: %v, want ErrNotFound", err)
	}
}

// A log bound larger than JetStream's default storage limit (75% of the free
// disk space) must not stop the node from starting: JetStream reserves a
// stream's MaxBytes, so without a limit that covers it the stream cannot be
// declared (error 10047), and a node restarted on a fuller disk would never
// come back. A disk that fills first is the full-disk case (health.go).
func TestOpenWithALogBoundLargerThanTheDisk(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.MaxBytes = 1 << 50 // 1 PiB: more than any disk here
	s := openTest(t, cfg)
	publish(t, s, "lobby", "hello", "")
	if err := s.restartJetStream(); err != nil {
		t.Fatalf("restartJetStream: %v", err)
	}
	publish(t, s, "lobby", "again", "")
}
