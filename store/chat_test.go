package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	tt "tickertalk/app"
	"tickertalk/internal/wait"
)

func TestFollowCatchesUpThenStreams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		before int // messages stored before Follow
		after  int // messages published after Follow returned
	}{
		{"empty stream", 0, 5},
		{"history then live", 50, 20},
		{"history only", 30, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := openTest(t, testConfig(t))
			var want []tt.ChatMessage
			var seqs []uint64
			add := func(i int) {
				room := []string{"lobby", "dev", "random"}[i%3]
				text := fmt.Sprint("m", i)
				seqs = append(seqs, publish(t, s, room, text, ""))
				want = append(want, chatMsg(room, text))
			}
			for i := range tc.before {
				add(i)
			}
			c := follow(t, s)
			// Caught up: everything stored before the call was delivered
			// before Follow returned.
			checkStream(t, c.snapshot(), want, seqs)
			for i := range tc.after {
				add(tc.before + i)
			}
			wait.For(t, 5*time.Second, "live messages", func() bool { return c.len() >= len(want) })
			checkStream(t, c.snapshot(), want, seqs)
			for i := 1; i < len(seqs); i++ {
				if seqs[i] != seqs[i-1]+1 {
					t.Fatalf("sequences not consecutive: %v", seqs)
				}
			}
		})
	}
}

func TestPublishDuplicate(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	ctx := t.Context()
	first := publish(t, s, "lobby", "hello", "session-a/client-1")
	seq, dup, err := s.Publish(ctx, chatMsg("lobby", "hello"), "session-a/client-1")
	if err != nil || !dup || seq != first {
		t.Fatalf("retry = %d, %v, %v; want %d, true, nil", seq, dup, err, first)
	}
	second := publish(t, s, "lobby", "world", "session-a/client-2")
	checkStream(t, follow(t, s).snapshot(),
		[]tt.ChatMessage{chatMsg("lobby", "hello"), chatMsg("lobby", "world")}, []uint64{first, second})
}

func TestPublishRejectsBadRoom(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	for _, room := range []string{"", "a.b", "*", ">", "Lobby", "a b"} {
		if _, _, err := s.Publish(t.Context(), chatMsg(room, "x"), ""); err == nil {
			t.Errorf("Publish to room %q succeeded", room)
		}
	}
}

func TestMessage(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	seq := publish(t, s, "lobby", "hi", "")
	tests := []struct {
		seq     uint64
		wantErr error
	}{
		{seq, nil},
		{seq + 1, ErrNotFound},
		{1000, ErrNotFound},
	}
	for _, tc := range tests {
		m, err := s.Message(t.Context(), tc.seq)
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("Message(%d) error = %v, want %v", tc.seq, err, tc.wantErr)
		}
		if err == nil && (m.ID != (tt.MessageID{Log: s.LogID(), Seq: seq}).String() || m.Text != "hi" || m.Room != "lobby" || m.Nick != "alice") {
			t.Errorf("Message(%d) = %+v", tc.seq, m)
		}
	}
}

func TestFollowStopsWithContext(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	publish(t, s, "lobby", "one", "")
	ctx, cancel := context.WithCancel(t.Context())
	c := &collector{}
	if err := s.Follow(ctx, c.add); err != nil {
		t.Fatal(err)
	}
	cancel()
	// A message stored after the cancel reaches a new follower, never the
	// cancelled one.
	publish(t, s, "lobby", "two", "")
	c2 := follow(t, s)
	if c2.len() != 2 {
		t.Fatalf("second follower saw %d messages, want 2", c2.len())
	}
	if n := c.len(); n != 1 {
		t.Fatalf("cancelled follower saw %d messages, want 1", n)
	}

	// A context already done fails Follow.
	done, cancel2 := context.WithCancel(t.Context())
	cancel2()
	if err := s.Follow(done, func(tt.ChatMessage) {}); err == nil {
		t.Fatal("Follow with a done context succeeded")
	}
}

// publishRetrying publishes texts in order, retrying each with the same
// dedup id until acknowledged, so each is stored exactly once whatever the
// connection does.
func publishRetrying(t *testing.T, s *Store, texts []string) {
	t.Helper()
	for _, text := range texts {
		deadline := time.Now().Add(30 * time.Second)
		for {
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			_, _, err := s.Publish(ctx, chatMsg("lobby", text), "id-"+text)
			cancel()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("publish %s: %v", text, err)
				return
			}
		}
	}
}

func TestFollowSurvivesReconnect(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	var texts []string
	var want []tt.ChatMessage
	for i := range 300 {
		texts = append(texts, fmt.Sprint("r", i))
		want = append(want, chatMsg("lobby", texts[i]))
	}
	publishRetrying(t, s, texts[:100])
	c := follow(t, s)

	var wg sync.WaitGroup
	wg.Go(func() { publishRetrying(t, s, texts[100:]) })
	for i := range 5 {
		// ForceReconnect during a reconnect only hurries that one along,
		// so each is forced once the previous one is done, and after the
		// follower has made progress on the new connection.
		wait.For(t, 10*time.Second, "the previous reconnect", func() bool {
			return s.nc.IsConnected() && s.nc.Stats().Reconnects >= uint64(i)
		})
		at := c.len()
		wait.For(t, 10*time.Second, "progress between reconnects", func() bool { return c.len() > at || c.len() == len(texts) })
		if err := s.nc.ForceReconnect(); err != nil {
			t.Fatalf("ForceReconnect: %v", err)
		}
	}
	wg.Wait()
	wait.For(t, 20*time.Second, "every message", func() bool { return c.len() >= len(texts) })
	checkStream(t, c.snapshot(), want, nil)
	// The last forced reconnect may still be under way: the count is
	// polled, not read once.
	wait.For(t, 10*time.Second, "5 reconnects", func() bool { return s.nc.Stats().Reconnects >= 5 })
}

// TestFollowSurvivesServerRestart joins an external server by URL, restarts
// that server on the same port and store directory, and checks that the
// follower resumes without gap or duplicate.
func TestFollowSurvivesServerRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start := func(port int) *server.Server {
		t.Helper()
		srv, err := server.NewServer(&server.Options{
			ServerName: "external", Host: "127.0.0.1", Port: port,
			JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		srv.Start()
		if !srv.ReadyForConnections(10 * time.Second) {
			t.Fatal("external server not ready")
		}
		return srv
	}
	srv := start(server.RANDOM_PORT)
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	port := srv.Addr().(*net.TCPAddr).Port

	cfg := testConfig(t)
	cfg.URL = srv.ClientURL()
	s := openTest(t, cfg)
	var texts []string
	var want []tt.ChatMessage
	for i := range 40 {
		texts = append(texts, fmt.Sprint("s", i))
		want = append(want, chatMsg("lobby", texts[i]))
	}
	publishRetrying(t, s, texts[:20])
	c := follow(t, s)

	srv.Shutdown()
	srv.WaitForShutdown()
	wait.For(t, 5*time.Second, "disconnect", func() bool { return s.Ready() != nil })
	srv = start(port)
	wait.For(t, 10*time.Second, "reconnect", func() bool { return s.Ready() == nil })
	publishRetrying(t, s, texts[20:])
	wait.For(t, 20*time.Second, "every message", func() bool { return c.len() >= len(texts) })
	checkStream(t, c.snapshot(), want, nil)
}

// TestFollowSkipsUndecodable: a foreign payload on chat.* (another program
// on the same cluster) is skipped, and catching up still ends even when it
// is the last message.
// TestFollowSkipsInvalid: what another publisher on the NATS server puts
// on chat.* reaches no one unless it is a message /send could have stored.
func TestFollowSkipsInvalid(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	seq := publish(t, s, "lobby", "good", "")
	encode := func(m tt.ChatMessage) string {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	with := func(edit func(*tt.ChatMessage)) string {
		m := chatMsg("lobby", "x")
		edit(&m)
		return encode(m)
	}
	bad := []struct{ name, subject, data string }{
		{"not json", "chat.lobby", "not json"},
		{"room not the subject's", "chat.lobby", with(func(m *tt.ChatMessage) { m.Room = "dev" })},
		{"invalid room", "chat.Lobby", with(func(m *tt.ChatMessage) { m.Room = "Lobby" })},
		{"no nick", "chat.lobby", with(func(m *tt.ChatMessage) { m.Nick = "" })},
		{"nick with CR LF", "chat.lobby", with(func(m *tt.ChatMessage) { m.Nick = "a\r\nb" })},
		{"empty text", "chat.lobby", with(func(m *tt.ChatMessage) { m.Text = "" })},
		{"control character", "chat.lobby", with(func(m *tt.ChatMessage) { m.Text = "a\u0007b" })},
		{"text not trimmed", "chat.lobby", with(func(m *tt.ChatMessage) { m.Text = " x " })},
		{"bad clientId", "chat.lobby", with(func(m *tt.ChatMessage) { m.ClientID = "a b" })},
	}
	for _, b := range bad {
		if _, err := s.js.Publish(t.Context(), b.subject, []byte(b.data)); err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
	}
	for i, b := range bad {
		if _, err := s.Message(t.Context(), seq+1+uint64(i)); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("Message of %s: %v, want an error", b.name, err)
		}
	}
	last := publish(t, s, "lobby", "after", "")
	checkStream(t, follow(t, s).snapshot(), []tt.ChatMessage{chatMsg("lobby", "good"), chatMsg("lobby", "after")}, []uint64{seq, last})

	// Each one on a valid room's subject is reported: it takes a place in
	// the room's log.
	var want, got []string
	for i, b := range bad {
		if b.subject == "chat.lobby" {
			want = append(want, fmt.Sprintf("lobby %d", seq+1+uint64(i)))
		}
	}
	var mu sync.Mutex
	if err := s.FollowSkipping(t.Context(), func(tt.ChatMessage) {}, func(room string, seq uint64) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, fmt.Sprintf("%s %d", room, seq))
	}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("skipped %v, want %v", got, want)
	}
}
