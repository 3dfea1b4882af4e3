package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
	"tickertalk/store"
)

// tickerSubject is where nodes publish ticker updates (store's).
const tickerSubject = "ticker.update"

// startNodes runs n tickertalk processes that share the NATS at natsURL,
// ticking every 100 ms, and returns them once each answers /readyz.
func startNodes(t *testing.T, n int, natsURL string, flags ...string) []*Server {
	t.Helper()
	nodes := make([]*Server, n)
	for i := range nodes {
		f := append([]string{"--nats-url", natsURL, "--tick", "100ms", "--send-rate", "0"}, flags...)
		nodes[i] = StartServer(t, WithFlags(f...))
		waitReady(t, nodes[i].URL, 30*time.Second)
	}
	return nodes
}

// buses are the two ways of running three nodes: on one NATS server run by
// the test, and clustered by their embedded NATS servers (R3, each also
// listening for NATS clients on loopback). start returns the nodes, and a
// NATS URL list for a test's own client that leaves out node skip's server.
var buses = []struct {
	name  string
	start func(t *testing.T) (nodes []*Server, natsURL func(skip int) string)
}{
	{"one NATS", func(t *testing.T) ([]*Server, func(int) string) {
		u := StartNATS(t)
		return startNodes(t, 3, u), func(int) string { return u }
	}},
	{"embedded cluster", func(t *testing.T) ([]*Server, func(int) string) {
		nodes := StartCluster(t, 3, func(int) []Option {
			return []Option{WithFlags("--tick", "100ms", "--send-rate", "0", "--nats-listen", "127.0.0.1:0")}
		})
		for _, n := range nodes {
			waitReady(t, n.URL, 30*time.Second)
		}
		return nodes, func(skip int) string {
			var urls []string
			for i, n := range nodes {
				if i == skip {
					continue
				}
				m := natsURLLine.FindStringSubmatch(n.Logs())
				if m == nil {
					t.Fatalf("node %d logged no NATS client URL", i)
				}
				urls = append(urls, m[1])
			}
			return strings.Join(urls, ",")
		}
	}},
}

// natsURLLine finds the client URL a node with --nats-listen logs.
var natsURLLine = regexp.MustCompile(`embedded NATS accepts other nodes.* url=(nats://\S+)`)

func urlsOf(nodes []*Server) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.URL
	}
	return out
}

// publisher returns the index of the one node that logged taking the
// ticker lease (waiting for one to).
func publisher(t *testing.T, nodes []*Server) int {
	t.Helper()
	who := -1
	wait.ForNil(t, 10*time.Second, func() error {
		var found []int
		for i, n := range nodes {
			if strings.Contains(n.Logs(), "publishing the ticker") {
				found = append(found, i)
			}
		}
		if len(found) != 1 {
			return fmt.Errorf("nodes that publish the ticker: %v, want one", found)
		}
		who = found[0]
		return nil
	})
	return who
}

// tickerTap records every ticker update on the bus, with the lease epoch
// its publisher stamped on it: what the nodes published, before any
// subscriber's fence.
type tickerTap struct {
	mu   sync.Mutex
	seen []tapped
}

type tapped struct {
	epoch uint64
	at    time.Time
}

func startTickerTap(t *testing.T, natsURL string) *tickerTap {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	tap := &tickerTap{}
	if _, err := nc.Subscribe(tickerSubject, func(m *nats.Msg) {
		epoch, _ := strconv.ParseUint(m.Header.Get(store.EpochHeader), 10, 64)
		tap.mu.Lock()
		tap.seen = append(tap.seen, tapped{epoch: epoch, at: time.Now()})
		tap.mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return tap
}

func (tp *tickerTap) all() []tapped {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return append([]tapped(nil), tp.seen...)
}

// oneAtATime checks that no update was published by an older term than
// one already seen: at no time did two nodes publish. Updates without an
// epoch are an error too (nothing would fence them).
func (tp *tickerTap) oneAtATime() error {
	var newest uint64
	for i, u := range tp.all() {
		if u.epoch == 0 {
			return fmt.Errorf("update %d carries no lease epoch", i)
		}
		if u.epoch < newest {
			return fmt.Errorf("update %d at %s published by term %d after term %d had published: two publishers",
				i, u.at.Format("15:04:05.000"), u.epoch, newest)
		}
		newest = u.epoch
	}
	return nil
}

// handover returns the last update of epoch, and the first one of a newer
// epoch after it (zero when none).
func (tp *tickerTap) handover(epoch uint64) (last, next tapped) {
	for _, u := range tp.all() {
		switch {
		case u.epoch == epoch:
			last = u
		case u.epoch > epoch && next.at.IsZero():
			next = u
		}
	}
	return last, next
}

// updateGap returns the longest time between two ticker updates a stream
// received from after to before.
func updateGap(evs []testclient.Event, after, before time.Time) time.Duration {
	prev := after
	var gap time.Duration
	for _, ev := range evs {
		if ev.Event != tt.EventUpdate || ev.Received.Before(after) || ev.Received.After(before) {
			continue
		}
		gap = max(gap, ev.Received.Sub(prev))
		prev = ev.Received
	}
	return max(gap, before.Sub(prev))
}

// poster posts chat messages to room, one at a time, to the nodes in turn;
// a post that fails is retried once, with the same client id, on the next
// node. It records what was acknowledged (201, or 200 for a retry that
// finds the message stored) and each post that failed even after its
// retry.
type poster struct {
	urls   []string
	client *http.Client
	room   string
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	acked    []string // ids, in the order of the acknowledgements
	ackedAt  []time.Time
	retries  int
	failed   []error
	attempts []failedAttempt // every attempt that failed, retries included
}

// failedAttempt is a post that got no acknowledgement.
type failedAttempt struct {
	at   time.Time
	node int
	err  error
}

// startPoster creates a session for nick on urls[0] and starts posting.
func startPoster(t *testing.T, urls []string, nick, room string) *poster {
	t.Helper()
	c := testclient.NewSession(t, urls[0], nick, testclient.WithoutOrigin())
	ctx, cancel := context.WithCancel(context.Background())
	// Cookies ignore ports: the session cookie goes to every node.
	s := &poster{urls: urls, client: &http.Client{Jar: c.Jar, Timeout: 5 * time.Second}, room: room,
		cancel: cancel, done: make(chan struct{})}
	go s.run(ctx)
	t.Cleanup(s.stop)
	return s
}

func (s *poster) run(ctx context.Context) {
	defer close(s.done)
	for i := 0; ctx.Err() == nil; i++ {
		body := tt.SendRequest{Room: s.room, Text: fmt.Sprint("m", i), ClientID: testclient.NewClientID()}
		node := i % len(s.urls)
		m, err := s.post(ctx, node, body)
		if err != nil && ctx.Err() == nil {
			s.mu.Lock()
			s.retries++
			s.mu.Unlock()
			// As a client of the protocol does: a 503 says when to come
			// back; a node that did not answer is skipped at once.
			select {
			case <-ctx.Done():
			case <-time.After(retryAfter(err)):
			}
			m, err = s.post(ctx, (node+1)%len(s.urls), body)
		}
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		if err != nil {
			s.failed = append(s.failed, fmt.Errorf("message %d: %w", i, err))
		} else {
			s.acked = append(s.acked, m.ID)
			s.ackedAt = append(s.ackedAt, time.Now())
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond): // the pace of a busy room
		}
	}
}

// retryAfter is how long the answer err asks a client to wait before
// its retry: a 503's Retry-After, else nothing.
func retryAfter(err error) time.Duration {
	var se *testclient.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusServiceUnavailable {
		return 0
	}
	secs, perr := strconv.Atoi(se.Header.Get("Retry-After"))
	if perr != nil || secs <= 0 {
		return 0
	}
	return time.Duration(secs) * time.Second
}

func (s *poster) post(ctx context.Context, node int, body tt.SendRequest) (tt.ChatMessage, error) {
	c := &testclient.Client{Client: s.client, BaseURL: s.urls[node]}
	var m tt.ChatMessage
	status, err := c.PostJSON(ctx, tt.PathSend, body, &m)
	if err == nil && status != http.StatusCreated && status != http.StatusOK {
		err = fmt.Errorf("status %d", status)
	}
	if err != nil {
		err = fmt.Errorf("node %d: %w", node, err)
		if ctx.Err() == nil {
			s.mu.Lock()
			s.attempts = append(s.attempts, failedAttempt{at: time.Now(), node: node, err: err})
			s.mu.Unlock()
		}
		return m, err
	}
	return m, nil
}

// stop ends the poster and waits for it; idempotent.
func (s *poster) stop() { s.cancel(); <-s.done }

// waitAcked waits up to 10 s until at least n messages are acknowledged.
func (s *poster) waitAcked(t *testing.T, n int) {
	t.Helper()
	wait.For(t, 10*time.Second, fmt.Sprint(n, " messages acknowledged"), func() bool {
		a, _, _ := s.result()
		return len(a) >= n
	})
}

// waitMore waits up to 10 s until n more messages than now are
// acknowledged.
func (s *poster) waitMore(t *testing.T, n int) {
	t.Helper()
	before, _, _ := s.result()
	s.waitAcked(t, len(before)+n)
}

// result returns the acknowledged ids, the number of retries and the posts
// that failed after their retry.
func (s *poster) result() (acked []string, retries int, failed error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.acked), s.retries, errors.Join(s.failed...)
}

// outage sums up how posts fared from after to before: the attempts that
// failed, how many of them were refused with 503, the span from the first
// 503 to the last (the window in which the nodes up could not write),
// and the longest time between two acknowledgements (or an edge of the
// period).
func (s *poster) outage(after, before time.Time) (failed, unavailable int, window, longestWithoutAck time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first, last time.Time
	for _, a := range s.attempts {
		if a.at.Before(after) || a.at.After(before) {
			continue
		}
		failed++
		if !strings.Contains(a.err.Error(), "HTTP 503") {
			continue
		}
		unavailable++
		if first.IsZero() {
			first = a.at
		}
		last = a.at
	}
	prev := after
	for _, at := range s.ackedAt {
		if at.Before(after) || at.After(before) {
			continue
		}
		longestWithoutAck = max(longestWithoutAck, at.Sub(prev))
		prev = at
	}
	return failed, unavailable, last.Sub(first), max(longestWithoutAck, before.Sub(prev))
}

// failedAttempts describes every attempt that failed, one a line.
func (s *poster) failedAttempts() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, a := range s.attempts {
		fmt.Fprintf(&b, "\n  %s %v", a.at.Format("15:04:05.000"), a.err)
	}
	return b.String()
}

// exactlyOnce checks that the messages a stream got hold every id of acked
// once, in acked's order (a resumed stream may also hold ids that were
// stored but never acknowledged: the poster gave up on them).
func exactlyOnce(f *FailoverStream, acked []string) error {
	msgs, err := f.Messages()
	if err != nil {
		return err
	}
	seen := make(map[string]int, len(msgs))
	for i, m := range msgs {
		if j, dup := seen[m.ID]; dup {
			return fmt.Errorf("message %s received twice (events %d and %d)", m.ID, j, i)
		}
		seen[m.ID] = i
	}
	last := -1
	for _, id := range acked {
		i, ok := seen[id]
		if !ok {
			return fmt.Errorf("acknowledged message %s not received (%d received, %d acknowledged)", id, len(msgs), len(acked))
		}
		if i < last {
			return fmt.Errorf("acknowledged message %s received out of order", id)
		}
		last = i
	}
	return nil
}

// waitExactlyOnce waits for [exactlyOnce] to hold for client i, and fails
// t with the client's connections and its control events otherwise.
func waitExactlyOnce(t *testing.T, i int, c *FailoverStream, acked []string) {
	t.Helper()
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err = exactlyOnce(c, acked); err == nil {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // polling pace
	}
	var b strings.Builder
	for _, conn := range c.Connections() {
		fmt.Fprintf(&b, "\n  node %d from %s to %s", conn.Server, conn.Opened.Format("15:04:05.000"), conn.Ended.Format("15:04:05.000"))
	}
	for _, ev := range c.Events() {
		if ev.Event != tt.EventMessage && ev.Event != tt.EventUpdate && ev.Event != tt.EventPresence && !ev.IsComment() {
			fmt.Fprintf(&b, "\n  event %q id %q data %.200s at %s", ev.Event, ev.ID, ev.Data, ev.Received.Format("15:04:05.000"))
		}
	}
	msgs, _ := c.Messages()
	ids := make([]string, 0, len(msgs))
	for _, m := range msgs {
		ids = append(ids, m.ID)
	}
	t.Fatalf("client %d: %v\nconnections:%s\nreceived ids: %v\nacknowledged: %v", i, err, b.String(), ids, acked)
}
