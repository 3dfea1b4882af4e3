package server

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/wait"
)

// gatedRecorder is a socket that takes nothing until gate is closed: the
// writer stays blocked on its first batch and every live event meanwhile
// stays in the conn's queue.
type gatedRecorder struct {
	*httptest.ResponseRecorder
	gate chan struct{}
}

func (g gatedRecorder) Write(p []byte) (int, error) {
	<-g.gate
	return g.ResponseRecorder.Write(p)
}

// countingHooks starts a conn with `:ok` and counts its evictions.
type countingHooks struct{ evictions atomic.Int32 }

func (h *countingHooks) startFrames(*conn) firstFrames {
	return firstFrames{buf: []byte(":ok\n\n"), snapAt: 5}
}
func (h *countingHooks) evicted(*conn)             { h.evictions.Add(1) }
func (h *countingHooks) replayFailed(*conn, error) {}

// The events of these tests, as r3labs writes them (several Writes, one
// Flush) and as the socket gets them.
func updateEvent(n int) ([]string, string) {
	data := fmt.Sprintf(`{"quotes":[{"symbol":"ACME","price":%d}]}`, n)
	return []string{"id: \n", "data: " + data + "\n", "event: " + tt.EventUpdate + "\n", "\n"},
		"data: " + data + "\nevent: " + tt.EventUpdate + "\n\n"
}

func presenceEvent(n int) ([]string, string) {
	data := fmt.Sprintf(`{"room":"lobby","count":%d}`, n)
	return []string{"id: \n", "data: " + data + "\n", "event: " + tt.EventPresence + "\n", "\n"},
		"data: " + data + "\nevent: " + tt.EventPresence + "\n\n"
}

func messageEvent(n int) ([]string, string) {
	frame := fmt.Sprintf("id: t-%d\ndata: {\"text\":\"m%d\"}\nevent: %s\n\n", n, n, tt.EventMessage)
	parts := strings.SplitAfter(frame, "\n")
	return parts[:len(parts)-1], frame
}

func pingEvent(int) ([]string, string) { return []string{": ping\n", "\n"}, ": ping\n\n" }

// TestQueueConflatesStateEvents: while a connection's writer is blocked,
// a newer `update` replaces the older one still queued, and so does a
// newer `presence`, each at the newer one's place; messages and comments
// are never dropped, merged or reordered. Replacing a state event frees
// its bytes (many updates never fill the queue), while messages still
// count until the connection is evicted.
func TestQueueConflatesStateEvents(t *testing.T) {
	type ev func(int) ([]string, string)
	u, p, m, c := ev(updateEvent), ev(presenceEvent), ev(messageEvent), ev(pingEvent)
	type step struct {
		ev ev
		n  int
	}
	repeat := func(e ev, count int) []step {
		out := make([]step, count)
		for i := range out {
			out[i] = step{e, i + 1}
		}
		return out
	}
	tests := []struct {
		name     string
		rooms    string // the conn's room key; "lobby" when empty
		maxQueue int
		events   []step
		want     []step // what reaches the socket after `:ok`
		evicted  bool
	}{
		{"the newest update is kept", "", 1 << 20,
			[]step{{u, 1}, {u, 2}, {u, 3}},
			[]step{{u, 3}}, false},
		{"messages keep their order around updates", "", 1 << 20,
			[]step{{m, 1}, {u, 1}, {m, 2}, {u, 2}, {m, 3}, {u, 3}},
			[]step{{m, 1}, {m, 2}, {m, 3}, {u, 3}}, false},
		{"the newest update goes where it arrived", "", 1 << 20,
			[]step{{u, 1}, {m, 1}, {u, 2}, {m, 2}},
			[]step{{m, 1}, {u, 2}, {m, 2}}, false},
		{"update and presence each keep their newest", "", 1 << 20,
			[]step{{u, 1}, {p, 1}, {u, 2}, {m, 1}, {p, 2}, {c, 0}, {u, 3}},
			[]step{{m, 1}, {p, 2}, {c, 0}, {u, 3}}, false},
		{"a stream of several rooms keeps every presence", "a" + roomSep + "b", 1 << 20,
			[]step{{p, 1}, {u, 1}, {p, 2}, {u, 2}},
			[]step{{p, 1}, {p, 2}, {u, 2}}, false},
		{"comments and messages are never conflated", "", 1 << 20,
			[]step{{c, 0}, {m, 1}, {c, 0}, {m, 2}, {m, 3}},
			[]step{{c, 0}, {m, 1}, {c, 0}, {m, 2}, {m, 3}}, false},
		{"replaced updates free their bytes", "", 256,
			append(repeat(u, 1000), step{m, 1}, step{p, 1}, step{u, 1001}),
			[]step{{m, 1}, {p, 1}, {u, 1001}}, false},
		{"messages still fill the queue", "", 256,
			repeat(m, 1000),
			nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hooks := &countingHooks{}
			cfg := testConnConfig(nil)
			cfg.maxQueue, cfg.hooks = tc.maxQueue, hooks
			sock := gatedRecorder{httptest.NewRecorder(), make(chan struct{})}
			c := newConn(sock, func() {}, cfg)
			c.room = "lobby"
			if tc.rooms != "" {
				c.room = tc.rooms
			}
			c.Flush() // r3labs's first Flush: the writer takes `:ok` and blocks
			wait.For(t, 5*time.Second, "the writer to take `:ok`", func() bool {
				c.mu.Lock()
				defer c.mu.Unlock()
				return len(c.queue) == 0
			})
			for _, s := range tc.events {
				parts, _ := s.ev(s.n)
				for _, part := range parts {
					if _, err := c.Write([]byte(part)); err != nil {
						t.Fatal(err)
					}
				}
				c.Flush()
			}
			close(sock.gate)
			wait.For(t, 5*time.Second, "the writer to finish", func() bool {
				c.mu.Lock()
				defer c.mu.Unlock()
				return !c.writing
			})
			want := ":ok\n\n"
			for _, s := range tc.want {
				_, frame := s.ev(s.n)
				want += frame
			}
			if got := sock.Body.String(); got != want {
				t.Errorf("the socket got\n%q\nwant\n%q", got, want)
			}
			if got := hooks.evictions.Load() == 1; got != tc.evicted {
				t.Errorf("evicted %v, want %v", got, tc.evicted)
			}
		})
	}
}
