package client_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/client"
	"tickertalk/config"
	"tickertalk/e2e"
	"tickertalk/internal/testnode"
	"tickertalk/internal/wait"
	"tickertalk/node"
)

// TestMain points the e2e harness at a web directory holding a stand-in
// app.wasm when none is given (the stream tests load no page), so that
// only the binary is built, and removes what it built.
func TestMain(m *testing.M) {
	if os.Getenv(e2e.EnvWebDir) == "" {
		dir, err := os.MkdirTemp("", "tickertalk-client-web-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := testnode.WriteFakeWasm(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Setenv(e2e.EnvWebDir, dir)
		code := e2e.Main(m)
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(e2e.Main(m))
}

// testNode is a whole node run in-process on 127.0.0.1, which a test can
// stop (its streams end cleanly) and start again on the same address,
// with the same data directory or a new one.
type testNode struct {
	t    *testing.T
	cfg  config.Config
	addr string
	URL  string

	mu   sync.Mutex
	node *testnode.Node // the run started last
}

// startNode runs a node with a 100 ms tick, a 500 ms heartbeat and no send
// rate limit, changed by mutate, and returns once it is ready.
func startNode(t *testing.T, mutate func(*config.Config)) *testNode {
	t.Helper()
	cfg := testnode.Config(t)
	cfg.Heartbeat = 500 * time.Millisecond
	if mutate != nil {
		mutate(&cfg)
	}
	n := &testNode{t: t, cfg: cfg, addr: "127.0.0.1:0"}
	n.Start()
	return n
}

// Start serves the node on its address (the first time a free port) and
// waits until it answers /readyz.
func (n *testNode) Start() {
	n.t.Helper()
	ln := testnode.Listen(n.t, n.addr)
	n.addr = ln.Addr().String()
	cfg := n.cfg
	log := slog.New(slog.NewTextHandler(testWriter{n.t}, &slog.HandlerOptions{Level: slog.LevelError}))
	started := testnode.Start(n.t, ln, func(ctx context.Context, ln net.Listener) error {
		return node.Serve(ctx, cfg, log, ln)
	})
	n.URL = started.URL
	n.mu.Lock()
	n.node = started
	n.mu.Unlock()
}

// Stop stops the node and waits for it: its streams end (EOF).
func (n *testNode) Stop() {
	n.mu.Lock()
	started := n.node
	n.mu.Unlock()
	if started != nil {
		started.Stop()
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// newClient returns a client of base, closed at cleanup.
func newClient(t *testing.T, base string) *client.Client {
	t.Helper()
	c, err := client.New(base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// collector runs a stream's Events on its own goroutine and keeps what it
// yields, for the test's goroutine to wait on.
type collector struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu          sync.Mutex
	events      []client.Event
	err         error // the error Events yielded last, if any
	disconnects []error
	at          []time.Time // when each disconnection was reported
}

// collect starts s.Events and waits until the stream is live; the
// collector stops at cleanup, and the test fails if Events has not
// returned 20 s after its context ended.
func collect(t *testing.T, c *client.Client, rooms []string, opts ...client.StreamOption) (*collector, *client.Stream) {
	t.Helper()
	col, s := collectUnconnected(t, c, rooms, opts...)
	col.waitConnected(t, max(len(rooms), 1))
	return col, s
}

// collectUnconnected is collect without waiting for the stream.
func collectUnconnected(t *testing.T, c *client.Client, rooms []string, opts ...client.StreamOption) (*collector, *client.Stream) {
	t.Helper()
	col := &collector{done: make(chan struct{})}
	opts = append(opts, client.OnDisconnect(func(err error, _ time.Duration) {
		col.mu.Lock()
		col.disconnects = append(col.disconnects, err)
		col.at = append(col.at, time.Now())
		col.mu.Unlock()
	}))
	s := c.Stream(rooms, opts...)
	ctx, cancel := context.WithCancel(context.Background())
	col.cancel = cancel
	go func() {
		defer close(col.done)
		for ev, err := range s.Events(ctx) {
			col.mu.Lock()
			if err != nil {
				col.err = err
			} else {
				col.events = append(col.events, ev)
			}
			col.mu.Unlock()
		}
	}()
	t.Cleanup(func() { col.stop(t) })
	return col, s
}

// waitConnected waits until the stream has delivered n presence or ticker
// events (on connect, one per room and the ticker's snapshot): it is
// live, and what is sent from now on reaches it.
func (col *collector) waitConnected(t *testing.T, n int) {
	t.Helper()
	wait.ForNil(t, 15*time.Second, func() error {
		if got := col.count(func(ev client.Event) bool { return ev.Kind == tt.EventPresence || ev.Kind == tt.EventUpdate }); got < n {
			return fmt.Errorf("%d of %d presence events: the stream is not live yet", got, n)
		}
		return nil
	})
}

// stop cancels the stream's context and waits for Events to return.
func (col *collector) stop(t *testing.T) {
	t.Helper()
	col.cancel()
	select {
	case <-col.done:
	case <-time.After(20 * time.Second):
		t.Error("Events did not return within 20 s of its context ending")
	}
}

// messages returns the chat messages delivered so far, in order.
func (col *collector) messages() []tt.ChatMessage {
	col.mu.Lock()
	defer col.mu.Unlock()
	var out []tt.ChatMessage
	for _, ev := range col.events {
		if m, ok := client.As(ev, tt.KindMessage); ok {
			out = append(out, m)
		}
	}
	return out
}

// count returns how many delivered events match.
func (col *collector) count(match func(client.Event) bool) int {
	col.mu.Lock()
	defer col.mu.Unlock()
	n := 0
	for _, ev := range col.events {
		if match(ev) {
			n++
		}
	}
	return n
}

// disconnectedAt is when the i-th disconnection was reported.
func (col *collector) disconnectedAt(i int) time.Time {
	col.mu.Lock()
	defer col.mu.Unlock()
	return col.at[i]
}

func (col *collector) disconnected() []error {
	col.mu.Lock()
	defer col.mu.Unlock()
	return append([]error(nil), col.disconnects...)
}

// waitMessages waits until the collector has delivered want's messages
// (by text), then checks each was delivered exactly once, in order, with
// its SSE id equal to its message id.
func waitMessages(t *testing.T, col *collector, timeout time.Duration, want []string) {
	t.Helper()
	wait.ForNil(t, timeout, func() error {
		got := col.messages()
		if len(got) < len(want) {
			return fmt.Errorf("%d of %d messages delivered", len(got), len(want))
		}
		return nil
	})
	got := col.messages()
	texts := make([]string, len(got))
	for i, m := range got {
		texts[i] = m.Text
	}
	if fmt.Sprint(texts) != fmt.Sprint(want) {
		t.Fatalf("delivered %q\nwant      %q (each once, in order)", texts, want)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	for _, ev := range col.events {
		if m, ok := client.As(ev, tt.KindMessage); ok && (ev.ID != m.ID || ev.Room != m.Room) {
			t.Errorf("event id %q room %q for message %+v", ev.ID, ev.Room, m)
		}
	}
}

// send posts texts to room as c's session and returns them.
func send(t *testing.T, c *client.Client, room string, texts ...string) []string {
	t.Helper()
	for _, text := range texts {
		if _, err := c.Send(t.Context(), tt.SendRequest{Room: room, Text: text}); err != nil {
			t.Fatalf("send %q: %v", text, err)
		}
	}
	return texts
}

func numbered(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s %d", prefix, i))
	}
	return out
}

// clientGoroutines counts the goroutines running this package's code or
// net/http's client side (a connection's read and write loops, a dial).
// The node's goroutines (server side, NATS) are not counted.
func clientGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte("testing.tRunner")) {
			continue
		}
		for _, mark := range []string{"tickertalk/client.", "net/http.(*persistConn)", "net/http.(*Transport)"} {
			if bytes.Contains(g, []byte(mark)) {
				count++
				break
			}
		}
	}
	return count
}
