package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/internal/testclient"
	"tickertalk/store"
)

// testNode is one real node: an embedded JetStream store in a temporary
// folder, the history index following it, and the server on 127.0.0.1.
type testNode struct {
	t     *testing.T
	dir   string
	st    *store.Store
	index *history.Index
	srv   *Server
	hs    *httptest.Server
	URL   string
	stop  context.CancelFunc
}

func startNode(t *testing.T, dir string, tweak ...func(*Options)) *testNode {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, store.Config{DataDir: dir, History: 1000})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	n := &testNode{t: t, dir: dir, st: st, index: history.New(1000), stop: cancel}
	opts := Options{Log: st, Sessions: st, History: n.index, Ready: st.Ready, SendRate: 0}
	for _, f := range tweak {
		f(&opts)
	}
	n.srv = New(opts)
	if err := st.FollowWith(ctx, store.Hooks{
		Message: func(m tt.ChatMessage) {
			if err := n.srv.Deliver(m); err != nil {
				t.Errorf("deliver: %v", err)
			}
		},
		Event: func(e history.Entry) {
			if err := n.srv.DeliverEvent(e); err != nil {
				t.Errorf("deliver event: %v", err)
			}
		},
	}); err != nil {
		t.Fatalf("follow: %v", err)
	}
	go n.srv.Run(ctx)
	n.hs = httptest.NewUnstartedServer(n.srv)
	n.hs.Config.BaseContext = nil
	n.hs.Listener = LimitUnsent(n.hs.Listener, DefaultUnsentBytes) // as node does
	n.hs.Start()
	n.URL = n.hs.URL
	t.Cleanup(n.Close)
	return n
}

// Close stops the node as the binary does: streams, HTTP, store.
func (n *testNode) Close() {
	if n.hs == nil {
		return
	}
	n.srv.Close()
	n.hs.CloseClientConnections()
	n.hs.Close()
	n.stop()
	if err := n.st.Close(); err != nil {
		n.t.Errorf("close store: %v", err)
	}
	n.hs = nil
}

// id returns the id of the message at seq in the node's chat log.
func (n *testNode) id(seq int) string { return history.FormatID(n.srv.logID, uint64(seq)) }

// seqOf returns the sequence of a message id of any log.
func seqOf(t *testing.T, id string) int {
	t.Helper()
	seq, ok := history.ParseID(id)
	if !ok {
		t.Fatalf("%q is not a message id", id)
	}
	return int(seq)
}

// curl is how these tests' clients talk: no Origin header (the
// cross-origin cases set one), 10 s per request.
var curl = []testclient.Option{testclient.WithoutOrigin(), testclient.WithTimeout(10 * time.Second)}

// newUser returns a client of n with a session for nick.
func (n *testNode) newUser(t *testing.T, nick string) *testclient.Client {
	t.Helper()
	return testclient.NewSession(t, n.URL, nick, curl...)
}

// anyEvent matches every comment and block of a stream.
func anyEvent(testclient.Event) bool { return true }

// isEvent matches the blocks whose event field is name.
func isEvent(name string) func(testclient.Event) bool {
	return func(ev testclient.Event) bool { return ev.Event == name }
}

func decode[T any](t *testing.T, data string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader([]byte(data)))
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", data, err)
	}
	return v
}
