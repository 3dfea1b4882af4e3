package node

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/config"
)

// Short presence timings: peers of a stopped node forget it in under a
// second (3.5 heartbeats plus a flush).
const (
	testPresenceFlush     = 100 * time.Millisecond
	testPresenceHeartbeat = 200 * time.Millisecond
)

// clusterNode is one in-process node of a test cluster.
type clusterNode struct {
	URL  string
	stop func() // stops the node and waits for Serve; idempotent
}

// startClusterNode runs a node on 127.0.0.1 like startNode, with short
// presence timings, and returns once it answers /readyz.
func startClusterNode(t *testing.T, mutate func(*config.Config), opts ...Option) *clusterNode {
	t.Helper()
	web := t.TempDir()
	if err := os.WriteFile(filepath.Join(web, "app.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.WebDir = web
	cfg.Seed = 7
	cfg.Tick = 100 * time.Millisecond
	cfg.Heartbeat = time.Second
	cfg.SendRate = 0
	if mutate != nil {
		mutate(&cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	opts = append([]Option{WithPresenceTiming(testPresenceFlush, testPresenceHeartbeat)}, opts...)
	go func() { done <- Serve(ctx, cfg, testLogger(t), ln, opts...) }()
	var once sync.Once
	n := &clusterNode{URL: "http://" + ln.Addr().String()}
	n.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("Serve did not return after cancel")
			}
		})
	}
	t.Cleanup(n.stop)
	waitUntil(t, 15*time.Second, "node ready", func() bool {
		resp, err := http.Get(n.URL + tt.PathReady)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return n
}

// startNATSHost starts a node whose embedded NATS accepts other nodes on
// 127.0.0.1 and returns it with that URL, checked to be loopback.
func startNATSHost(t *testing.T, opts ...Option) (*clusterNode, string) {
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
func joinCluster(t *testing.T, natsURL string, opts ...Option) *clusterNode {
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

	alice := newClient(t, a.URL, "alice") // session created on A
	bob := newClient(t, b.URL, "bob")     // session created on B
	onA := openSSE(t, a.URL+tt.PathEventStream+"?room=lobby", alice.cookie(), "")
	onB := openSSE(t, b.URL+tt.PathEventStream+"?room=lobby", bob.cookie(), "")

	// Presence: each node shows both people, counted once.
	for name, s := range map[string]*sseReader{"A": onA, "B": onB} {
		s.waitFor(t, 10*time.Second, "presence alice,bob on "+name, presenceIs("alice", "bob"))
	}

	// Chat both ways, same ids everywhere.
	var sent []tt.ChatMessage
	sent = append(sent, bob.send(t, "lobby", "hello from B", "b-1"))
	sent = append(sent, alice.send(t, "lobby", "hello from A", "a-1"))
	sent = append(sent, bob.send(t, "lobby", "again from B", "b-2"))
	for name, s := range map[string]*sseReader{"A": onA, "B": onB} {
		got := s.messages(t, 10*time.Second, len(sent))
		for i, m := range sent {
			if got[i].ID != m.ID || got[i].Text != m.Text || got[i].Nick != m.Nick {
				t.Fatalf("node %s message %d = %+v, want %+v", name, i, got[i], m)
			}
		}
	}

	// Resume on the other node: everything after the first id, in order.
	for name, n := range map[string]*clusterNode{"A": a, "B": b} {
		r := openSSE(t, n.URL+tt.PathEventStream+"?room=lobby", nil, sent[0].ID)
		got := r.messages(t, 10*time.Second, len(sent)-1)
		for i, m := range sent[1:] {
			if got[i].ID != m.ID {
				t.Fatalf("resume on %s after %s: message %d id %s, want %s", name, sent[0].ID, i, got[i].ID, m.ID)
			}
		}
	}

	// The same prices on both nodes: updates with the same quote time
	// carry the same prices.
	tickA := openSSE(t, a.URL+tt.PathEventStream, nil, "")
	tickB := openSSE(t, b.URL+tt.PathEventStream, nil, "")
	tickA.waitFor(t, 10*time.Second, "10 updates on A", func(evs []sseEvent) bool { return len(updates(t, evs)) >= 10 })
	tickB.waitFor(t, 10*time.Second, "10 updates on B", func(evs []sseEvent) bool { return len(updates(t, evs)) >= 10 })
	byTime := map[time.Time]tt.TickerUpdate{}
	for _, u := range updates(t, tickA.events()) {
		byTime[u.Quotes[0].Time] = u
	}
	matched := 0
	for _, u := range updates(t, tickB.events()) {
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
	b.stop()
	onA.waitFor(t, 10*time.Second, "presence alice alone on A", presenceIs("alice"))
	if rooms := alice.rooms(t); rooms["lobby"] != 1 {
		t.Fatalf("GET /api/rooms on A: lobby online %d, want 1", rooms["lobby"])
	}
}

// TestStoppedNodeSaysGoodbye: a node that stops tells the others, which
// drop its people at once. The presence heartbeat here is a minute, so bob's
// entry would otherwise stay on A for about three and a half minutes.
func TestStoppedNodeSaysGoodbye(t *testing.T) {
	slow := WithPresenceTiming(testPresenceFlush, time.Minute)
	a, natsURL := startNATSHost(t, slow)
	b := joinCluster(t, natsURL, slow)

	alice := newClient(t, a.URL, "alice")
	bob := newClient(t, b.URL, "bob")
	onA := openSSE(t, a.URL+tt.PathEventStream+"?room=lobby", alice.cookie(), "")
	openSSE(t, b.URL+tt.PathEventStream+"?room=lobby", bob.cookie(), "")
	onA.waitFor(t, 10*time.Second, "presence alice,bob on A", presenceIs("alice", "bob"))

	b.stop()
	onA.waitFor(t, 5*time.Second, "presence alice alone on A after B stopped", presenceIs("alice"))
}

// TestTickerTakeoverContinuesPrices: with node A hosting NATS (and never
// publishing), B publishes the ticker and C follows; when B stops, C takes
// over within a few seconds and prices go on from the last ones instead of
// jumping back to the opening prices.
func TestTickerTakeoverContinuesPrices(t *testing.T) {
	_, natsURL := startNATSHost(t, func(o *options) { o.noTicker = true })
	b := joinCluster(t, natsURL) // the only candidate: it holds the lease
	c := joinCluster(t, natsURL)

	tick := openSSE(t, c.URL+tt.PathEventStream, nil, "")
	// Let prices drift from the opening ones, so that a restart from them
	// would show.
	tick.waitFor(t, 15*time.Second, "prices away from the open", func(evs []sseEvent) bool {
		us := updates(t, evs)
		return len(us) >= 20 && !atOpen(us[len(us)-1])
	})
	before := len(updates(t, tick.events()))
	stopped := time.Now()
	b.stop()
	tick.waitFor(t, 10*time.Second, "updates after the takeover", func(evs []sseEvent) bool {
		return len(updates(t, evs)) >= before+10
	})
	took := time.Since(stopped)

	us := updates(t, tick.events())
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
func updates(t *testing.T, evs []sseEvent) []tt.TickerUpdate {
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
func presenceIs(nicks ...string) func([]sseEvent) bool {
	return func(evs []sseEvent) bool {
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

// sseEvent is one event of a stream.
type sseEvent struct{ ID, Event, Data string }

// sseReader reads one /eventstream response in the background and keeps
// every event, so that a slow test never backs the stream up.
type sseReader struct {
	mu     sync.Mutex
	evs    []sseEvent
	ended  bool
	notify chan struct{}
}

// openSSE opens url with an optional cookie and Last-Event-ID; the stream
// is closed at cleanup.
func openSSE(t *testing.T, url string, cookie *http.Cookie, lastID string) *sseReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("open %s: status %d", url, resp.StatusCode)
	}
	r := &sseReader{notify: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer resp.Body.Close()
		r.read(resp)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

func (r *sseReader) read(resp *http.Response) {
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Event != "" || ev.Data != "" {
				r.mu.Lock()
				r.evs = append(r.evs, ev)
				r.mu.Unlock()
				r.wake()
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, "id:"):
			ev.ID = strings.TrimSpace(strings.TrimPrefix(line, "id:"))
		case strings.HasPrefix(line, "event:"):
			ev.Event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			ev.Data = strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
		}
	}
	r.mu.Lock()
	r.ended = true
	r.mu.Unlock()
	r.wake()
}

func (r *sseReader) wake() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// events returns a copy of every event so far.
func (r *sseReader) events() []sseEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evs)
}

// waitFor waits until cond holds over the events so far, failing the test
// after d or when the stream ends first.
func (r *sseReader) waitFor(t *testing.T, d time.Duration, what string, cond func([]sseEvent) bool) {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		evs, ended := slices.Clone(r.evs), r.ended
		r.mu.Unlock()
		if cond(evs) {
			return
		}
		if ended {
			t.Fatalf("%s: the stream ended first", what)
		}
		select {
		case <-r.notify:
		case <-deadline.C:
			t.Fatalf("%s: not within %v", what, d)
		}
	}
}

// messages waits for n message events and returns them decoded, checking
// that each SSE id equals its message id.
func (r *sseReader) messages(t *testing.T, d time.Duration, n int) []tt.ChatMessage {
	t.Helper()
	var out []tt.ChatMessage
	r.waitFor(t, d, fmt.Sprintf("%d messages", n), func(evs []sseEvent) bool {
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

// client is one person's HTTP client on one node, with a session.
type client struct {
	base string
	hc   *http.Client
}

// newClient opens a session for nick on the node at base.
func newClient(t *testing.T, base, nick string) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{base: base, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	if status, body := c.post(t, tt.PathSession, tt.Session{Nick: nick}); status != http.StatusOK && status != http.StatusCreated {
		t.Fatalf("session %s: %d %s", nick, status, body)
	}
	if c.cookie() == nil {
		t.Fatalf("session %s: no cookie", nick)
	}
	return c
}

func (c *client) cookie() *http.Cookie {
	u, _ := url.Parse(c.base)
	for _, k := range c.hc.Jar.Cookies(u) {
		if k.Name == tt.SessionCookieName {
			return k
		}
	}
	return nil
}

func (c *client) post(t *testing.T, path string, v any) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(v)
	resp, err := c.hc.Post(c.base+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes()
}

// send posts text to room and returns the stored message.
func (c *client) send(t *testing.T, room, text, clientID string) tt.ChatMessage {
	t.Helper()
	status, body := c.post(t, tt.PathSend, tt.SendRequest{Room: room, Text: text, ClientID: clientID})
	if status != http.StatusCreated {
		t.Fatalf("send: %d %s", status, body)
	}
	var m tt.ChatMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// rooms returns GET /api/rooms as room -> online.
func (c *client) rooms(t *testing.T) map[string]int {
	t.Helper()
	resp, err := c.hc.Get(c.base + tt.PathRooms)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list tt.RoomList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range list.Rooms {
		out[r.Name] = r.Online
	}
	return out
}

// waitUntil polls cond every 20 ms until it holds or d passes.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
