package features_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/testnode"
	"tickertalk/node"
)

// testNode is a whole node run in-process on 127.0.0.1, with its
// features, and its embedded NATS listening so that a test can count what
// JetStream stores.
type testNode struct {
	*testnode.Node
	NATS string // nats://user:password@127.0.0.1:port
}

// startNode runs a node on dataDir (a fresh one when empty) with a 1 s
// tick and no send-rate limit of the framework's own (so that only
// typing's applies), and returns once it answers /readyz. The node stops
// at the test's end.
func startNode(t *testing.T, dataDir string) *testNode {
	t.Helper()
	cfg := testnode.Config(t)
	if dataDir != "" {
		cfg.DataDir = dataDir
	}
	cfg.Tick = time.Second
	cfg.NATSListen = "127.0.0.1:0"
	natsURL := make(chan string, 1)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	n := testnode.Start(t, testnode.Listen(t, "127.0.0.1:0"), func(ctx context.Context, ln net.Listener) error {
		return node.Serve(ctx, cfg, log, ln, node.OnNATSListening(func(u string) { natsURL <- u }))
	})
	select {
	case u := <-natsURL:
		return &testNode{Node: n, NATS: u}
	default:
		t.Fatal("OnNATSListening was not called before the node was ready")
		return nil
	}
}

// stored returns how many entries the chat log's JetStream stream holds:
// messages and the durable events of other kinds.
func (n *testNode) stored(t *testing.T) uint64 {
	t.Helper()
	nc, err := nats.Connect(n.NATS)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, "CHAT") // store's stream of the chat log
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// post sends one event with POST /api/events and returns the status, the
// reply (2xx) and the JSON error (4xx).
func post(t *testing.T, c *testclient.Client, kind string, data any, clientID string) (int, tt.EventReply, tt.APIError) {
	t.Helper()
	raw, ok := data.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(data); err != nil {
			t.Fatal(err)
		}
	}
	var reply tt.EventReply
	status, err := c.PostJSON(context.Background(), tt.PathEvents, tt.EventRequest{Kind: kind, Data: raw, ClientID: clientID}, &reply)
	var se *testclient.StatusError
	switch {
	case errors.As(err, &se):
		if ct := se.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("POST %s %s: %d with Content-Type %q, want JSON", tt.PathEvents, kind, status, ct)
		}
		// Every 429 says when to try again, as /send's does.
		if ra, err := strconv.Atoi(se.Header.Get("Retry-After")); status == http.StatusTooManyRequests && (err != nil || ra < 1) {
			t.Errorf("POST %s %s: 429 with Retry-After %q, want whole seconds", tt.PathEvents, kind, se.Header.Get("Retry-After"))
		}
		return status, reply, se.APIError()
	case err != nil:
		t.Fatalf("POST %s %s: %v", tt.PathEvents, kind, err)
	}
	return status, reply, tt.APIError{}
}

// scrollback returns the newest page of room's history.
func scrollback(t *testing.T, c *testclient.Client, room string) tt.MessagePage {
	t.Helper()
	var page tt.MessagePage
	path := tt.RoomMessagesPath(room) + "?limit=200"
	if _, err := c.Request(context.Background(), http.MethodGet, path, "", nil, &page); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return page
}
