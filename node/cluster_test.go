package node

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/internal/testclient"
	"tickertalk/internal/testnode"
)

// Short presence timings: peers of a stopped node forget it in under a
// second (3.5 heartbeats plus a flush).
const (
	testPresenceFlush     = 100 * time.Millisecond
	testPresenceHeartbeat = 200 * time.Millisecond
)

// startClusterNode runs a node on 127.0.0.1 with a 100 ms tick, a 1 s
// heartbeat, no send-rate limit and short presence timings, changed by
// mutate, and returns once it answers /readyz.
func startClusterNode(t *testing.T, mutate func(*config.Config), opts ...Option) *testnode.Node {
	t.Helper()
	cfg := testnode.Config(t)
	cfg.Heartbeat = time.Second
	if mutate != nil {
		mutate(&cfg)
	}
	opts = append([]Option{WithPresenceTiming(testPresenceFlush, testPresenceHeartbeat)}, opts...)
	return testnode.Start(t, testnode.Listen(t, "127.0.0.1:0"), func(ctx context.Context, ln net.Listener) error {
		return Serve(ctx, cfg, testLogger(t), ln, opts...)
	})
}

// curl is how these tests' clients talk: no Origin header, 10 s per
// request.
var curl = []testclient.Option{testclient.WithoutOrigin(), testclient.WithTimeout(10 * time.Second)}

// startNATSHost starts a node whose embedded NATS accepts other nodes on
// 127.0.0.1 and returns it with that URL, checked to be loopback.
func startNATSHost(t *testing.T, opts ...Option) (*testnode.Node, string) {
	t.Helper()
	urls := make(chan string, 1)
	opts = append(opts, OnNATSListening(func(u string) { urls <- u }))
	n := startClusterNode(t, func(c *config.Config) { c.NATSListen = "127.0.0.1:0" }, opts...)
	var natsURL string
	select {
	case natsURL = <-urls:
	default:
		t.Fatal("OnNATSListening was not called before the node served")
	}
	u, err := url.Parse(natsURL)
	if err != nil || u.Hostname() != "127.0.0.1" || u.Port() == "" || u.Port() == "0" {
		t.Fatalf("embedded NATS at %q, want 127.0.0.1 with a port", natsURL)
	}
	return n, natsURL
}

// joinCluster starts a node that uses natsURL instead of an embedded NATS.
func joinCluster(t *testing.T, natsURL string, opts ...Option) *testnode.Node {
	t.Helper()
	return startClusterNode(t, func(c *config.Config) { c.NATSURL = natsURL }, opts...)
}

// TestTwoNodesShareChatTickerAndPresence runs node A with the embedded NATS
// (listening on 127.0.0.1 only) and node B against it: messages posted on
// either node reach the other's streams with the same ids, resume works
// across nodes, both stream the same prices, and presence is the union of
// both nodes until B stops.
func TestTwoNodesShareChatTickerAndPresence(t *testing.T) {
	a, natsURL := startNATSHost(t)
	b := joinCluster(t, natsURL)

	alice := testclient.NewSession(t, a.URL, "alice", curl...) // session created on A
	bob := testclient.NewSession(t, b.URL, "bob", curl...)     // session created on B
	onA := alice.OpenStream(t, tt.PathEventStream+"?room=lobby", "")
	onB := bob.OpenStream(t, tt.PathEventStream+"?room=lobby", "")

	// Presence: each node shows both people, counted once.
	for name, s := range map[string]*testclient.Stream{"A": onA, "B": onB} {
		s.WaitFor(t, 10*time.Second, "presence alice,bob on "+name, presenceIs("alice", "bob"))
	}

	// Chat both ways, same ids everywhere.
	var sent []tt.ChatMessage
	sent = append(sent, bob.Send(t, "lobby", "hello from B", "b-1"))
	sent = append(sent, alice.Send(t, "lobby", "hello from A", "a-1"))
	sent = append(sent, bob.Send(t, "lobby", "again from B", "b-2"))
	for name, s := range map[string]*testclient.Stream{"A": onA, "B": onB} {
		got := messages(t, s, 10*time.Second, len(sent))
		for i, m := range sent {
			if got[i].ID != m.ID || got[i].Text != m.Text || got[i].Nick != m.Nick {
				t.Fatalf("node %s message %d = %+v, want %+v", name, i, got[i], m)
			}
		}
	}

	// Resume on the other node: everything after the first id, in order.
	for name, n := range map[string]*testnode.Node{"A": a, "B": b} {
		r := testclient.OpenStream(t, n.URL+tt.PathEventStream+"?room=lobby", sent[0].ID)
		got := messages(t, r, 10*time.Second, len(sent)-1)
		for i, m := range sent[1:] {
			if got[i].ID != m.ID {
				t.Fatalf("resume on %s after %s: message %d id %s, want %s", name, sent[0].ID, i, got[i].ID, m.ID)
			}
		}
	}

	// The same prices on both nodes: updates with the same quote time
	// carry the same prices.
	tickA := testclient.OpenStream(t, a.URL+tt.PathEventStream, "")
	tickB := testclient.OpenStream(t, b.URL+tt.PathEventStream, "")
	tickA.WaitFor(t, 10*time.Second, "10 updates on A", func(evs []testclient.Event) bool { return len(updates(t, evs)) >= 10 })
	tickB.WaitFor(t, 10*time.Second, "10 updates on B", func(evs []testclient.Event) bool { return len(updates(t, evs)) >= 10 })
	byTime := map[time.Time]tt.TickerUpdate{}
	for _, u := range updates(t, tickA.Events()) {
		byTime[u.Quotes[0].Time] = u
	}
	matched := 0
	for _, u := range updates(t, tickB.Events()) {
		ua, ok := byTime[u.Quotes[0].Time]
		if !ok {
			continue
		}
		matched++
		if pa, pb := prices(ua), prices(u); !slices.Equal(pa, pb) {
			t.Fatalf("at %v: A shows %v, B shows %v", u.Quotes[0].Time, pa, pb)
		}
	}
	if matched < 5 {
		t.Fatalf("only %d updates seen on both nodes: not one ticker", matched)
	}

	// B stops: A forgets bob, and shows alice alone.
	b.Stop()
	onA.WaitFor(t, 10*time.Second, "presence alice alone on A", presenceIs("alice"))
	if online := alice.Rooms(t); online["lobby"] != 1 {
		t.Fatalf("GET /api/rooms on A: lobby online %d, want 1", online["lobby"])
	}
}

// TestStoppedNodeSaysGoodbye: a node that stops tells the others, which
// drop its people at once. The presence heartbeat here is a minute, so bob's
// entry would otherwise stay on A for about three and a half minutes.
func TestStoppedNodeSaysGoodbye(t *testing.T) {
	slow := WithPresenceTiming(testPresenceFlush, time.Minute)
	a, natsURL := startNATSHost(t, slow)
	b := joinCluster(t, natsURL, slow)

	alice := testclient.NewSession(t, a.URL, "alice", curl...)
	bob := testclient.NewSession(t, b.URL, "bob", curl...)
	onA := alice.OpenStream(t, tt.PathEventStream+"?room=lobby", "")
	bob.OpenStream(t, tt.PathEventStream+"?room=lobby", "")
	onA.WaitFor(t, 10*time.Second, "presence alice,bob on A", presenceIs("alice", "bob"))

	b.Stop()
	onA.WaitFor(t, 5*time.Second, "presence alice alone on A after B stopped", presenceIs("alice"))
}

// TestTickerTakeoverContinuesPrices: with node A hosting NATS (and never
// publishing), B publishes the ticker and C follows; when B stops, C takes
// over within a few seconds and prices go on from the last ones instead of
// jumping back to the opening prices.
func TestTickerTakeoverContinuesPrices(t *testing.T) {
	_, natsURL := startNATSHost(t, func(o *options) { o.noTicker = true })
	b := joinCluster(t, natsURL) // the only candidate: it holds the lease
	c := joinCluster(t, natsURL)

	tick := testclient.OpenStream(t, c.URL+tt.PathEventStream, "")
	// Let prices drift from the opening ones, so that a restart from them
	// would show.
	tick.WaitFor(t, 15*time.Second, "prices away from the open", func(evs []testclient.Event) bool {
		us := updates(t, evs)
		return len(us) >= 20 && !atOpen(us[len(us)-1])
	})
	before := len(updates(t, tick.Events()))
	stopped := time.Now()
	b.Stop()
	tick.WaitFor(t, 10*time.Second, "updates after the takeover", func(evs []testclient.Event) bool {
		return len(updates(t, evs)) >= before+10
	})
	took := time.Since(stopped)

	us := updates(t, tick.Events())
	for i := 1; i < len(us); i++ {
		prev, cur := us[i-1], us[i]
		if cur.Quotes[0].Time.Before(prev.Quotes[0].Time) {
			t.Fatalf("update %d goes back in time: %v after %v", i, cur.Quotes[0].Time, prev.Quotes[0].Time)
		}
		for j, q := range cur.Quotes {
			p := prev.Quotes[j]
			if q.Open != p.Open {
				t.Fatalf("update %d: %s open %v, was %v", i, q.Symbol, q.Open, p.Open)
			}
			if math.Abs(q.Price-p.Price)/p.Price > 0.01 {
				t.Fatalf("update %d: %s jumps from %v to %v", i, q.Symbol, p.Price, q.Price)
			}
		}
		if atOpen(cur) {
			t.Fatalf("update %d is back at the opening prices %v", i, prices(cur))
		}
	}
	t.Logf("ticker taken over; %d updates within %v of stopping the publisher", len(us)-before, took.Round(time.Millisecond))
}

// atOpen reports whether every price of u is its opening price.
func atOpen(u tt.TickerUpdate) bool {
	for _, q := range u.Quotes {
		if q.Price != q.Open {
			return false
		}
	}
	return true
}

func prices(u tt.TickerUpdate) []float64 {
	out := make([]float64, len(u.Quotes))
	for i, q := range u.Quotes {
		out[i] = q.Price
	}
	return out
}

// updates decodes the update events among evs.
func updates(t *testing.T, evs []testclient.Event) []tt.TickerUpdate {
	t.Helper()
	var out []tt.TickerUpdate
	for _, ev := range evs {
		if ev.Event != tt.EventUpdate {
			continue
		}
		var u tt.TickerUpdate
		if err := json.Unmarshal([]byte(ev.Data), &u); err != nil || len(u.Quotes) == 0 {
			t.Fatalf("bad update %q: %v", ev.Data, err)
		}
		out = append(out, u)
	}
	return out
}

// presenceIs matches a stream whose latest presence event lists exactly
// nicks, with that count.
func presenceIs(nicks ...string) func([]testclient.Event) bool {
	return func(evs []testclient.Event) bool {
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].Event != tt.EventPresence {
				continue
			}
			var p tt.Presence
			if json.Unmarshal([]byte(evs[i].Data), &p) != nil {
				return false
			}
			return slices.Equal(p.Online, nicks) && p.Count == len(nicks)
		}
		return false
	}
}

// messages waits for n message events and returns them decoded, checking
// that each SSE id equals its message id.
func messages(t *testing.T, s *testclient.Stream, d time.Duration, n int) []tt.ChatMessage {
	t.Helper()
	var out []tt.ChatMessage
	s.WaitFor(t, d, fmt.Sprintf("%d messages", n), func(evs []testclient.Event) bool {
		out = out[:0]
		for _, ev := range evs {
			if ev.Event != tt.EventMessage {
				continue
			}
			var m tt.ChatMessage
			if err := json.Unmarshal([]byte(ev.Data), &m); err != nil || m.ID != ev.ID {
				return false
			}
			out = append(out, m)
		}
		return len(out) >= n
	})
	return out
}
