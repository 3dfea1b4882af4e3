package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	tt "tickertalk/app"
	"tickertalk/client"
	"tickertalk/history"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// fill delivers count messages of chars characters each to room, with
// the ids from+1 to from+count, as the log's follower would.
func fill(t *testing.T, n *testNode, room string, from uint64, count, chars int) {
	t.Helper()
	text := strings.Repeat("x", chars)
	for seq := from + 1; seq <= from+uint64(count); seq++ {
		m := tt.ChatMessage{ID: n.id(int(seq)), Room: room, Nick: "n", Text: text, Time: time.Now()}
		if err := n.srv.Deliver(m); err != nil {
			t.Fatal(err)
		}
	}
}

// withHistory gives the node's server an index of limit messages a room
// (the store's follower feeds it too, through Deliver).
func withHistory(limit int) func(*Options) {
	return func(o *Options) { o.History = history.New(limit) }
}

// stalledResume opens /eventstream?room= resuming after lastID, with a
// tiny receive buffer, and never reads past the status line.
func stalledResume(t *testing.T, base, room, lastID string) {
	t.Helper()
	conn := dialSmallBuffer(t, base)
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /eventstream?room=%s HTTP/1.1\r\nHost: x\r\nLast-Event-ID: %s\r\n\r\n", room, lastID)
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, "200") {
		t.Fatalf("stalled resume: %q, %v", line, err)
	}
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestReplayFloodHoldsAboutOneQueuePerConnection: clients that resume from
// the oldest message of a full room and never read cost the server about
// one queue each, not their backlog. Each backlog (6 MB) is bigger than
// what the kernel's socket buffers take on loopback (4 MB), so a replay
// built whole would stay in the heap until the write deadline.
func TestReplayFloodHoldsAboutOneQueuePerConnection(t *testing.T) {
	const (
		conns    = 8
		messages = 3000
		chars    = 2000
		queue    = 64 << 10
		// What a connection holds beyond its queue (net/http's buffers,
		// r3labs's subscriber, the conn), and the GC's noise.
		slack = 2 << 20
	)
	n := startNode(t, "", withHistory(messages), func(o *Options) {
		o.QueueBytes, o.WriteTimeout = queue, time.Minute
		o.ReplayMax, o.ReplayMaxBytes = messages, 1<<30
	})
	fill(t, n, "lobby", 0, messages, chars)
	before := heapInUse()

	for range conns {
		stalledResume(t, n.URL, "lobby", n.id(0))
	}
	// The replays run until every socket is full: wait for the count of
	// replayed messages to stop moving.
	var last float64
	changed := time.Now()
	wait.For(t, 30*time.Second, "the replays to stall", func() bool {
		if v := testutil.ToFloat64(n.srv.metrics.replayed); v != last {
			last, changed = v, time.Now()
		}
		return last > 0 && time.Since(changed) > 500*time.Millisecond
	})
	after := heapInUse()
	growth := int64(after) - int64(before)
	t.Logf("heap %d -> %d bytes (%+d) with %d stalled replays of %d x %d characters, %v messages written",
		before, after, growth, conns, messages, chars, last)
	if limit := int64(conns*queue + slack); growth > limit {
		t.Fatalf("heap grew by %d bytes with %d stalled replays, more than %d (connections x queue + %d)", growth, conns, limit, slack)
	}
	if got := testutil.ToFloat64(n.srv.metrics.connections); got != conns {
		t.Fatalf("%v connections open, want %d: a stalled replay was evicted early", got, conns)
	}
	if last >= conns*messages {
		t.Fatalf("%v messages replayed: every replay ended, the test measures nothing", last)
	}
}

// TestResumeUnderLiveTrafficStartsEveryTime: a resume whose backlog is
// bigger than the queue, while live events keep arriving, always gets its
// stream, replayed from its first missed message.
func TestResumeUnderLiveTrafficStartsEveryTime(t *testing.T) {
	const tries = 100
	n := startNode(t, "", withHistory(500), func(o *Options) { o.QueueBytes = 16 << 10 })
	fill(t, n, "lobby", 0, 200, 500) // 100 KB of backlog
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() { // live traffic: ticker updates to every connection, as fast as they go
		defer wg.Done()
		update := []byte(`{"quotes":[{"symbol":"ACME","price":1,"open":1}]}`)
		for i := 0; i < 1_000_000; i++ {
			select {
			case <-done:
				return
			default:
			}
			if err := n.srv.Ticker(update); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	t.Cleanup(func() { close(done); wg.Wait() })

	failed := 0
	for i := range tries {
		if err := resumeOnce(n.URL+"/eventstream?room=lobby", n.id(0), n.id(1)); err != nil {
			failed++
			t.Errorf("try %d: %v", i, err)
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d resumes failed", failed, tries)
	}
}

// resumeOnce resumes after lastID and checks that the stream starts with
// `:ok` and replays firstID first.
func resumeOnce(url, lastID, firstID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := testclient.DialStream(ctx, &http.Client{}, url, lastID)
	if err != nil {
		return err
	}
	defer s.Close()
	ev, err := s.Next(ctx)
	if err != nil {
		return fmt.Errorf("no first event: %w", err)
	}
	if ev.Comment != "ok" {
		return fmt.Errorf("first event %+v, want the :ok comment", ev)
	}
	ev, err = s.NextEvent(ctx, tt.EventMessage, tt.EventResync)
	if err != nil {
		return fmt.Errorf("no replayed message: %w", err)
	}
	if ev.Event != tt.EventMessage || ev.ID != firstID {
		return fmt.Errorf("first replayed event %s %q, want message %s", ev.Event, ev.ID, firstID)
	}
	return nil
}

// TestResumePastTheCapGetsResync: a backlog over either cap is not
// replayed; the client gets resync, then live messages.
func TestResumePastTheCapGetsResync(t *testing.T) {
	const backlog, chars = 20, 100
	// Each message's JSON: its text, its id (a log identity of 10
	// characters, as this century's are), the other fields.
	size := backlog * len(mustJSON(t, tt.ChatMessage{ID: "lq3k9x2a1b-10", Room: "lobby", Nick: "n", Text: strings.Repeat("x", chars), Time: time.Now()}))
	tests := []struct {
		name            string
		maxMsgs, maxLen int
		resync          bool
	}{
		{"within both caps", backlog, size + backlog, false},
		{"one message over", backlog - 1, size + backlog, true},
		{"bytes over", backlog, size / 2, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := startNode(t, "", func(o *Options) { o.ReplayMax, o.ReplayMaxBytes = tc.maxMsgs, tc.maxLen })
			fill(t, n, "lobby", 0, backlog, chars)
			s := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", n.id(0))
			ev := s.MustNextEvent(t, 5*time.Second, tt.EventMessage, tt.EventResync)
			if got := ev.Event == tt.EventResync; got != tc.resync {
				t.Fatalf("first event %s %q, want resync %v", ev.Event, ev.Data, tc.resync)
			}
			want := n.id(1)
			if tc.resync {
				if got := testutil.ToFloat64(n.srv.metrics.replayCapped); got != 1 {
					t.Fatalf("capped replays %v, want 1", got)
				}
				fill(t, n, "lobby", backlog, 1, chars)
				want = n.id(backlog + 1) // the live one: nothing was replayed
				ev = s.MustNextEvent(t, 5*time.Second, tt.EventMessage)
			}
			if ev.ID != want {
				t.Fatalf("first message %s, want %s", ev.ID, want)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReplayInterleavedWithLiveMessagesIsExact: live messages arrive
// while a resume is being replayed, page by page; the client still sees
// every message once, in id order, from its resume point on, and is not
// evicted for the messages that came meanwhile (more than its queue).
func TestReplayInterleavedWithLiveMessagesIsExact(t *testing.T) {
	const (
		backlog = 3000 // of 2,000 characters: 6 MB, more than loopback's socket buffers take
		live    = 200  // of 2,000 characters: 400 KB
		queue   = 64 << 10
	)
	for _, resumeAt := range []int{0, 500} {
		t.Run("after "+strconv.Itoa(resumeAt), func(t *testing.T) {
			n := startNode(t, "", withHistory(backlog+live+1), func(o *Options) {
				o.QueueBytes, o.ReplayMax, o.ReplayMaxBytes = queue, backlog, 1<<30
			})
			fill(t, n, "lobby", 0, backlog, 2000)
			r := openIDReader(t, n.URL, "lobby", n.id(resumeAt))
			r.expect(t, resumeAt+1, resumeAt+100) // the replay is under way
			fill(t, n, "lobby", backlog, live, 2000)
			replayed := testutil.ToFloat64(n.srv.metrics.replayed)
			r.expect(t, resumeAt+101, backlog+live)
			fill(t, n, "lobby", backlog+live, 1, 10) // nothing came twice before it
			r.expect(t, backlog+live+1, backlog+live+1)
			if got := testutil.ToFloat64(n.srv.metrics.evictions); got != 0 {
				t.Fatalf("%v clients evicted", got)
			}
			if replayed >= backlog-float64(resumeAt) {
				t.Fatalf("the replay ended (%v messages) before the live ones came: the test checked nothing", replayed)
			}
		})
	}
}

// idReader reads an event stream's message ids, at the test's pace.
type idReader struct {
	conn net.Conn
	dec  *client.Decoder
}

func openIDReader(t *testing.T, base, room, lastID string) *idReader {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /eventstream?room=%s HTTP/1.1\r\nHost: x\r\nLast-Event-ID: %s\r\n\r\n", room, lastID)
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 64<<10), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stream after %s: %v, %v", lastID, resp, err)
	}
	return &idReader{conn: conn, dec: client.NewDecoder(resp.Body, 64<<10)}
}

// expect reads until the message ids from to last (inclusive) have come,
// and fails at any other message id or a resync.
func (r *idReader) expect(t *testing.T, from, last int) {
	t.Helper()
	_ = r.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	for want := from; want <= last; {
		f, err := r.dec.Next()
		if err != nil {
			t.Fatalf("reading message %d: %v", want, err)
		}
		switch {
		case string(f.Event) == tt.EventResync:
			t.Fatalf("resync while waiting for message %d", want)
		case f.HasID:
			if got := string(f.ID); seqOf(t, got) != want {
				t.Fatalf("got message %s, want %d", got, want)
			}
			want++
		}
	}
}

// TestResyncedResumeGetsTheNextLiveMessages: a resume that gets resync
// (an id beyond the log's last, a backlog past the cap) then gets every
// live message, whatever id it resumed from.
func TestResyncedResumeGetsTheNextLiveMessages(t *testing.T) {
	tests := []struct {
		name      string
		lastID    func(n *testNode) string
		replayMax int
	}{
		{"id beyond the last", func(n *testNode) string { return n.id(1000) }, 0},
		{"backlog past the cap", func(n *testNode) string { return n.id(0) }, 5},
		{"id of another log", func(*testNode) string { return "a-5" }, 0},
		{"bare sequence", func(*testNode) string { return "5" }, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := startNode(t, "", func(o *Options) { o.ReplayMax = tc.replayMax })
			fill(t, n, "lobby", 0, 10, 10)
			s := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", tc.lastID(n))
			s.MustNextEvent(t, 5*time.Second, tt.EventResync)
			fill(t, n, "lobby", 10, 1, 10)
			if ev := s.MustNextEvent(t, 5*time.Second, tt.EventMessage, tt.EventResync); ev.Event != tt.EventMessage || ev.ID != n.id(11) {
				t.Fatalf("after the resync got %s %s, want message 11", ev.Event, ev.ID)
			}
		})
	}
}

// TestResumeFromANewerNodeWaitsForTheFollower: a client of a node that went
// away resumes here from a message this node's follower has not delivered
// yet (an id just beyond the history's last). When the follower delivers it
// within a moment, the client gets what follows, not resync.
func TestResumeFromANewerNodeWaitsForTheFollower(t *testing.T) {
	n := startNode(t, "")
	fill(t, n, "lobby", 0, 10, 10)
	s := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", n.id(11))
	fill(t, n, "lobby", 10, 2, 10) // 11, which the client has, then 12
	if ev := s.MustNextEvent(t, 5*time.Second, tt.EventMessage, tt.EventResync); ev.Event != tt.EventMessage || ev.ID != n.id(12) {
		t.Fatalf("resumed from 11 before this node had it: got %s %s, want message 12", ev.Event, ev.ID)
	}
}
