package e2e

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// nginxDelivery bounds how long after its 201 a message may reach a stream
// through nginx: a buffering proxy holds it until its buffer fills.
const nginxDelivery = 100 * time.Millisecond

// TestNginxInFrontOfThreeNodes runs docs/nginx.conf, as documented, in
// front of three nodes. Streams are not buffered: each message reaches the
// client within 100 ms of its acknowledgement. Then a node is killed:
// streams through nginx reconnect once and get exactly what they missed,
// and posts through nginx never fail (nginx passes them to a live node).
func TestNginxInFrontOfThreeNodes(t *testing.T) {
	t.Parallel()
	RequireNginx(t)
	natsURL := StartNATS(t)
	nodes := startNodes(t, 3, natsURL, "--trusted-proxies", "127.0.0.1")
	addrs := make([]string, len(nodes))
	for i, n := range nodes {
		addrs[i] = n.Addr
	}
	proxy := StartNginx(t, docPath(t, "docs/nginx.conf"), addrs)

	// Delivery latency through the proxy.
	alice := testclient.NewSession(t, proxy, "alice", testclient.WithoutOrigin())
	s := alice.OpenStream(t, tt.PathEventStream+"?room=lobby", "")
	s.MustNextEvent(t, 5*time.Second, tt.EventUpdate) // ticker updates flow too
	var delays []time.Duration
	for i := range 10 {
		m := alice.Send(t, "lobby", fmt.Sprint("hello ", i), "")
		answered := time.Now()
		ev := s.MustNextEvent(t, 5*time.Second, tt.EventMessage)
		if ev.ID != m.ID {
			t.Fatalf("message %d: got id %s, want %s", i, ev.ID, m.ID)
		}
		delays = append(delays, max(ev.Received.Sub(answered), 0))
	}
	slices.Sort(delays)
	t.Logf("through nginx, a message reaches the stream at most %v after its 201 (median %v)",
		delays[len(delays)-1], delays[len(delays)/2])
	if worst := delays[len(delays)-1]; worst > nginxDelivery {
		t.Errorf("a message reached the stream %v after its 201, want at most %v: buffered?", worst, nginxDelivery)
	}

	// A node's loss.
	var clients []*FailoverStream
	for range 6 {
		clients = append(clients, OpenFailoverStream(t, nil, []string{proxy}, 0, tt.PathEventStream+"?room=ops"))
	}
	p := startPoster(t, []string{proxy}, "poster", "ops")
	p.waitAcked(t, 20)
	victim := victimWithStreams(t, nodes)
	nodes[victim].Kill()
	killed := time.Now()
	p.waitMore(t, 20)
	p.stop()
	acked, retries, failed := p.result()
	if failed != nil || retries > 0 {
		t.Errorf("posts through nginx: %d retried, failed after a retry: %v; want none", retries, failed)
	}
	var resumed time.Duration
	moved := 0
	for i, c := range clients {
		wait.ForNil(t, 10*time.Second, func() error { return exactlyOnce(c, acked) })
		cs := c.Connections()
		if len(cs) > 2 {
			t.Errorf("client %d connected %d times, want at most 2", i, len(cs))
		}
		if len(cs) == 2 {
			moved++
			resumed = max(resumed, cs[1].Opened.Sub(killed))
		}
	}
	t.Logf("node %d killed: %d of %d streams reconnected through nginx, all within %v; %d messages acknowledged",
		victim, moved, len(clients), resumed.Round(time.Millisecond), len(acked))
}

// victimWithStreams returns the node that serves the most event streams
// (its /metrics say so).
func victimWithStreams(t *testing.T, nodes []*Server) int {
	t.Helper()
	victim, most := 0, -1
	for i, n := range nodes {
		if k := streamsOpen(t, n.URL); k > most {
			victim, most = i, k
		}
	}
	return victim
}

// streamsOpen reads the open stream gauge of a node's /metrics.
func streamsOpen(t *testing.T, base string) int {
	t.Helper()
	c := testclient.NewClient(t, base, testclient.WithoutOrigin())
	resp := c.Do(t, http.MethodGet, "/metrics", "", "", nil)
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(body), "\n") {
		var v float64
		if _, err := fmt.Sscanf(line, "tickertalk_sse_connections %g", &v); err == nil {
			return int(v)
		}
	}
	t.Fatalf("%s/metrics: no tickertalk_sse_connections", base)
	return 0
}
