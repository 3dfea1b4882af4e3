package server

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tickertalk/internal/wait"
)

// TestConnFramesEventsAndKeepsNoBufferWhenIdle drives a conn as r3labs does
// (several Writes, one Flush per event): empty id lines go, replayed ids
// go, everything else reaches the socket in order; once the writer is done,
// the connection holds no event buffer.
func TestConnFramesEventsAndKeepsNoBufferWhenIdle(t *testing.T) {
	rec := httptest.NewRecorder()
	c := newConn(rec, func() {}, testConnConfig(func() ([]byte, uint64) {
		return []byte(":ok\n\nid: t-3\ndata: replayed\n\n"), 3
	}))

	events := [][]string{
		{}, // r3labs's first Flush: the initial frames go out
		{"id: \n", "event: update\n", "data: {}\n", "\n"},
		{"id: t-3\n", "data: live copy of a replayed message\n", "\n"},
		{"id: t-4\n", "event: message\n", "data: new\n", "\n"},
		{": ping\n", "\n"},
	}
	for _, ev := range events {
		for _, part := range ev {
			if _, err := c.Write([]byte(part)); err != nil {
				t.Fatal(err)
			}
		}
		c.Flush()
	}
	idle := func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.writing
	}
	wait.For(t, 5*time.Second, "the writer to finish", idle)

	want := ":ok\n\nid: t-3\ndata: replayed\n\n" +
		"event: update\ndata: {}\n\n" +
		"id: t-4\nevent: message\ndata: new\n\n" +
		": ping\n\n"
	if got := rec.Body.String(); got != want {
		t.Errorf("the socket got\n%q\nwant\n%q", got, want)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil || c.queue != nil {
		t.Errorf("an idle connection keeps buffers: cur cap %d, queue cap %d", cap(c.cur), cap(c.queue))
	}
}

// TestConnReportsWhatR3labsRefused: an error r3labs writes instead of a
// stream is held back (its text/plain must not reach the client) and
// reported, for the handler to answer as JSON.
func TestConnReportsWhatR3labsRefused(t *testing.T) {
	rec := httptest.NewRecorder()
	c := newConn(rec, func() {}, testConnConfig(nil))
	c.Header().Set("Content-Type", "text/plain; charset=utf-8")
	c.WriteHeader(500)
	if _, err := c.Write([]byte("Stream not found!\n")); err != nil {
		t.Fatal(err)
	}
	c.close()
	status, msg, ok := c.refused()
	if !ok || status != 500 || msg != "Stream not found!" {
		t.Fatalf("refused() = %d, %q, %v; want 500, the message, true", status, msg, ok)
	}
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Flushed {
		t.Fatalf("r3labs's error reached the client: %d %q", rec.Code, rec.Body.String())
	}
}

// testConnConfig is a conn's configuration without a server: start gives
// the initial frames.
func testConnConfig(start func() ([]byte, uint64)) *connConfig {
	return &connConfig{
		timeout: time.Second, maxQueue: 1 << 20, bufs: &buffers{},
		delivered: prometheus.NewCounter(prometheus.CounterOpts{Name: "test_delivered"}),
		hooks:     testHooks(start),
	}
}

type testHooks func() ([]byte, uint64)

func (h testHooks) startFrames(*conn) firstFrames {
	buf, last := h()
	return firstFrames{buf: buf, snapAt: len(buf), last: last}
}
func (h testHooks) evicted(*conn)             {}
func (h testHooks) replayFailed(*conn, error) {}
