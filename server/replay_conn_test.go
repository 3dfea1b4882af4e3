package server

import (
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/internal/wait"
)

// gatedHistory is a replay source on a real history index whose pages
// wait for the test to open the gate, so that live events can be made to
// arrive in the middle of a replay; err, when set, is what every page
// returns (a store that cannot be read, which the in-memory index never
// is).
type gatedHistory struct {
	index *history.Index
	gate  chan struct{}
	err   error
}

func (g *gatedHistory) checkReplay(room string, after uint64) (replayPlan, error) {
	if _, _, err := g.index.Backlog(room, after); err != nil {
		return replayPlan{resync: err.Error()}, nil
	}
	return replayPlan{}, nil
}

func (g *gatedHistory) replayPage(room string, _ *replayPlan, after uint64, max int) ([]history.Entry, error) {
	<-g.gate
	if g.err != nil {
		return nil, g.err
	}
	return g.index.Page(room, after, max)
}

func (g *gatedHistory) appendResync(b []byte, room, reason string) []byte {
	return appendFrame(b, tt.KindResync.Info(), "", []byte(reason))
}

// replayHooks starts every conn with a replay after 0 and records the
// replays that failed.
type replayHooks struct {
	mu     sync.Mutex
	failed []error
}

func (h *replayHooks) startFrames(*conn) firstFrames {
	return firstFrames{buf: []byte(":ok\n\n"), replay: true, tail: []byte("event: presence\ndata: P0\n\n")}
}
func (h *replayHooks) evicted(*conn) {}
func (h *replayHooks) replayFailed(_ *conn, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failed = append(h.failed, err)
}

// replayConn returns a conn of room lobby on a recorder, replaying from
// src in pages of two messages, and a func that reports its end.
func replayConn(src replaySource, hooks connHooks) (*conn, *httptest.ResponseRecorder, func() bool) {
	rec := httptest.NewRecorder()
	var mu sync.Mutex
	cancelled := false
	c := newConn(rec, func() { mu.Lock(); cancelled = true; mu.Unlock() }, &connConfig{
		timeout: time.Second, maxQueue: 1 << 10, pageSize: 2, bufs: &buffers{},
		delivered: prometheus.NewCounter(prometheus.CounterOpts{Name: "test_delivered"}),
		replayed:  prometheus.NewCounter(prometheus.CounterOpts{Name: "test_replayed"}),
		hooks:     hooks, replays: src,
	})
	c.room = "lobby"
	return c, rec, func() bool { mu.Lock(); defer mu.Unlock(); return cancelled }
}

// live hands c one event as r3labs writes it.
func live(c *conn, parts ...string) {
	for _, p := range parts {
		_, _ = c.Write([]byte(p))
	}
	c.Flush()
}

func msgFrame(id int) string {
	return "id: t-" + strconv.Itoa(id) + "\ndata: m" + strconv.Itoa(id) + "\nevent: message\n\n"
}

func addMessage(t *testing.T, x *history.Index, id int) {
	t.Helper()
	s := strconv.Itoa(id)
	if !x.Add(history.Entry{Seq: uint64(id), Msg: tt.ChatMessage{ID: "t-" + s, Room: "lobby"}, JSON: []byte("m" + s)}) {
		t.Fatalf("add %d", id)
	}
}

// TestReplayHoldsLiveEventsUntilItEnds: while a replay waits on history,
// live messages are left to history (they are in it), only the latest
// update and presence are kept, pings go; after the replay come the
// snapshot taken at the start, then the kept events, then live ones, with
// no message twice.
func TestReplayHoldsLiveEventsUntilItEnds(t *testing.T) {
	x := history.New(100)
	for id := 1; id <= 5; id++ {
		addMessage(t, x, id)
	}
	src := &gatedHistory{index: x, gate: make(chan struct{})}
	c, rec, _ := replayConn(src, &replayHooks{})
	idle := func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.writing
	}

	live(c) // r3labs's first Flush: the preamble, then the replay waits at the gate
	addMessage(t, x, 6)
	live(c, "id: t-6\n", "data: m6\n", "event: message\n", "\n")
	live(c, "id: \n", "data: U1\n", "event: update\n", "\n")
	live(c, "id: \n", "data: P1\n", "event: presence\n", "\n")
	live(c, "id: \n", "data: U2\n", "event: update\n", "\n")
	live(c, ": ping\n", "\n")
	addMessage(t, x, 7)
	live(c, "id: t-7\n", "data: m7\n", "event: message\n", "\n")
	close(src.gate)
	wait.For(t, 5*time.Second, "the replay to end", idle)

	live(c, "id: t-7\n", "data: m7\n", "event: message\n", "\n") // a late copy
	addMessage(t, x, 8)
	live(c, "id: t-8\n", "data: m8\n", "event: message\n", "\n")
	wait.For(t, 5*time.Second, "the writer to finish", idle)

	var want strings.Builder
	want.WriteString(":ok\n\n")
	for id := 1; id <= 7; id++ {
		want.WriteString(msgFrame(id))
	}
	want.WriteString("event: presence\ndata: P0\n\n" + "data: U2\nevent: update\n\n" + "data: P1\nevent: presence\n\n")
	want.WriteString(msgFrame(8))
	if got := rec.Body.String(); got != want.String() {
		t.Fatalf("the socket got\n%q\nwant\n%q", got, want.String())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rep != nil || c.queue != nil {
		t.Fatalf("after the replay the conn keeps it (%v) or a queue (cap %d)", c.rep != nil, cap(c.queue))
	}
}

// TestReplayThatCannotReadHistoryEndsTheStream: a page that fails (other
// than a gap) ends the connection, for the client to resume, and is
// reported; nothing of the replay is skipped silently.
func TestReplayThatCannotReadHistoryEndsTheStream(t *testing.T) {
	x := history.New(100)
	addMessage(t, x, 1)
	errDisk := errors.New("read block: input/output error")
	src := &gatedHistory{index: x, gate: make(chan struct{}), err: errDisk}
	close(src.gate)
	hooks := &replayHooks{}
	c, rec, cancelled := replayConn(src, hooks)
	live(c)
	wait.For(t, 5*time.Second, "the connection to end", cancelled)
	c.close()
	hooks.mu.Lock()
	defer hooks.mu.Unlock()
	if len(hooks.failed) != 1 || !errors.Is(hooks.failed[0], errDisk) {
		t.Fatalf("failures reported: %v, want one wrapping %v", hooks.failed, errDisk)
	}
	if got := rec.Body.String(); got != ":ok\n\n" {
		t.Fatalf("the socket got %q, want only the preamble", got)
	}
	live(c, "id: t-2\n", "data: m2\n", "event: message\n", "\n") // r3labs may still deliver
	if got := rec.Body.String(); got != ":ok\n\n" {
		t.Fatalf("after the failure the socket got %q", got)
	}
}

// TestReplayOfSeveralRoomsKeepsEachRoomsPresence: a stream of several
// rooms has a presence per room, so every presence change that arrives
// during its replay follows the replay, in order, where a stream of one
// room keeps the latest.
func TestReplayOfSeveralRoomsKeepsEachRoomsPresence(t *testing.T) {
	// The fake source reads rooms one at a time: this stream has no
	// history, only its presence events.
	src := &gatedHistory{index: history.New(100), gate: make(chan struct{})}
	c, rec, _ := replayConn(src, &replayHooks{})
	c.room = "dev,lobby"
	idle := func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.writing
	}
	live(c)
	live(c, "id: \n", `data: {"room":"dev"}`+"\n", "event: presence\n", "\n")
	live(c, "id: \n", `data: {"room":"lobby"}`+"\n", "event: presence\n", "\n")
	close(src.gate)
	wait.For(t, 5*time.Second, "the replay to end", idle)

	want := ":ok\n\n" + "event: presence\ndata: P0\n\n" +
		"data: {\"room\":\"dev\"}\nevent: presence\n\n" + "data: {\"room\":\"lobby\"}\nevent: presence\n\n"
	if got := rec.Body.String(); got != want {
		t.Fatalf("the socket got\n%q\nwant\n%q", got, want)
	}
}

// TestReplayEndCoversTheFloor: once a replay ends, a live message up to
// the plan's floor (the index's last id when the replay was checked) is
// one the client has, replayed or, for a room that resynced, to be loaded
// with its page: its copy, whose token may come after the replay, is
// dropped. One above the floor is new and goes.
func TestReplayEndCoversTheFloor(t *testing.T) {
	c, _, _ := replayConn(&gatedHistory{}, &replayHooks{})
	t.Cleanup(c.close)
	c.mu.Lock()
	r := &replay{after: 7, plan: replayPlan{floor: 10, gaps: []string{"a"}}}
	c.rep = r
	ended := c.endReplay(r, replayCaughtUp)
	c.mu.Unlock()
	if !ended {
		t.Fatal("the replay did not end")
	}
	for _, tc := range []struct {
		seq    uint64
		queued bool
	}{{10, false}, {11, true}} {
		before := testutil.ToFloat64(c.cfg.delivered)
		c.enqueue([]byte(msgFrame(int(tc.seq))), tc.seq, false, true)
		if queued := testutil.ToFloat64(c.cfg.delivered) > before; queued != tc.queued {
			t.Errorf("live message %d after a replay with floor 10: queued %v, want %v", tc.seq, queued, tc.queued)
		}
	}
}
