package node

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// TestShutdownStopsAcceptingBeforeStreamsEnd stops a node with open
// streams: by the time a stream ends, the node accepts no connection, so
// a client reconnecting at once is refused (and tries again later, or
// another node) instead of being accepted by a process about to exit and
// dropped without an answer, which is what kept thousands of clients
// waiting in SIGTERM storms.
func TestShutdownStopsAcceptingBeforeStreamsEnd(t *testing.T) {
	n := startClusterNode(t, nil)
	streams := make([]*testclient.Stream, 3)
	for i := range streams {
		streams[i] = testclient.OpenStream(t, n.URL+tt.PathEventStream+"?room=lobby", "")
		streams[i].MustNext(t, 10*time.Second, func(ev testclient.Event) bool { return ev.Event == tt.EventPresence })
	}
	go n.Stop()
	addr := strings.TrimPrefix(n.URL, "http://")
	for i, s := range streams {
		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		var err error
		for err == nil {
			_, err = s.Next(ctx)
		}
		cancel()
		if !errors.Is(err, testclient.ErrStreamClosed) {
			t.Fatalf("stream %d: %v; want it ended by the shutdown within 15 s", i, err)
		}
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err == nil {
			conn.Close()
			t.Fatalf("stream %d ended while the node still accepted connections", i)
		}
	}
}
