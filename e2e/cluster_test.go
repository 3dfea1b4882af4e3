package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// clusterRoom is the room the cluster tests' clients listen to.
const clusterRoom = "lobby"

// chatStream is the JetStream stream of the chat log (package store's
// name, stable across versions).
const chatStream = "CHAT"

// chatLeaderLine is what an embedded NATS server logs (at debug level)
// when it becomes the leader of the chat log's RAFT group.
const chatLeaderLine = "new stream leader for '$G > " + chatStream + "'"

// chatLeader returns the index of the node whose embedded NATS server
// leads the chat log: the last to log that it became the leader.
func chatLeader(t *testing.T, nodes []*Server) int {
	t.Helper()
	leader, latest := -1, ""
	wait.For(t, 10*time.Second, "a node leading the chat log", func() bool {
		for i, n := range nodes {
			logs := n.Logs()
			at := strings.LastIndex(logs, chatLeaderLine)
			if at < 0 {
				continue
			}
			line := logs[strings.LastIndex(logs[:at], "\n")+1 : at]
			if ts, _, _ := strings.Cut(strings.TrimSpace(line), " "); ts > latest {
				leader, latest = i, ts
			}
		}
		return leader >= 0
	})
	return leader
}

// failoverClient is one listener of the cluster tests: an event stream of
// one room on one node that, when the stream ends, opens it again on the
// next node of its list with the last id it got as Last-Event-ID, as a
// browser behind a load balancer does. It keeps every message id in the
// order it arrived.
type failoverClient struct {
	nodes []string // base URLs; it starts on nodes[0]

	mu         sync.Mutex
	ids        []string
	resyncs    int
	on         string    // node it is streaming from now; "" between streams
	presences  int       // presence events read on the current stream
	lostAt     time.Time // when its last stream ended
	resumedAt  time.Time // when it last opened a stream after losing one
	reconnects int
}

// listen runs c until ctx ends, on its own goroutine.
func (c *failoverClient) listen(ctx context.Context) {
	last, n := "", 0
	for ctx.Err() == nil {
		node := c.nodes[n%len(c.nodes)]
		s, err := testclient.DialStream(ctx, nil, node+tt.PathEventStream+"?room="+clusterRoom, last)
		if err != nil {
			n++ // that node is down: the next one
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond): // retry pace
			}
			continue
		}
		c.mu.Lock()
		c.on = node
		if !c.lostAt.IsZero() {
			c.resumedAt = time.Now()
			c.reconnects++
		}
		c.mu.Unlock()
		for {
			ev, err := s.Next(ctx)
			if err != nil {
				break
			}
			if ev.Event == tt.EventPresence {
				c.mu.Lock()
				c.presences++
				c.mu.Unlock()
			}
			switch ev.Event {
			case tt.EventMessage:
				c.mu.Lock()
				c.ids = append(c.ids, ev.ID)
				c.mu.Unlock()
				last = ev.ID
			case tt.EventResync:
				c.mu.Lock()
				c.resyncs++
				c.mu.Unlock()
			}
		}
		s.Close()
		c.mu.Lock()
		c.on, c.lostAt, c.presences = "", time.Now(), 0
		c.mu.Unlock()
		n++
	}
}

// received returns a copy of the ids c got, in order.
func (c *failoverClient) received() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ids)
}

// clusterSender posts numbered messages to one node, one after another, each
// retried with its clientId until it is acknowledged (201, or 200 for a
// retry of one stored after all); it keeps the acknowledged ids in order.
type clusterSender struct {
	client *testclient.Client

	mu       sync.Mutex
	acked    []string
	ackTimes []time.Time // when each of acked was acknowledged
	// refused counts answers other than 201; each must have been a 503
	// with Retry-After (badRefusals counts the others).
	refused, badRefusals int
	firstBad             string // the first bad refusal, described
}

// run posts until ctx ends.
func (s *clusterSender) run(ctx context.Context) {
	for i := 0; ctx.Err() == nil; i++ {
		clientID := testclient.NewClientID()
		for ctx.Err() == nil {
			var m tt.ChatMessage
			status, err := s.client.PostJSON(ctx, tt.PathSend,
				tt.SendRequest{Room: clusterRoom, Text: fmt.Sprintf("message %d", i), ClientID: clientID}, &m)
			// 200: a retry of a message stored after all (its first
			// answer was a 503), answered with the original.
			if status == http.StatusCreated || status == http.StatusOK {
				s.mu.Lock()
				s.acked = append(s.acked, m.ID)
				s.ackTimes = append(s.ackTimes, time.Now())
				s.mu.Unlock()
				break
			}
			s.mu.Lock()
			s.refused++
			var se *testclient.StatusError
			if ctx.Err() == nil && (!errors.As(err, &se) || se.Code != http.StatusServiceUnavailable || se.Header.Get("Retry-After") == "") {
				s.badRefusals++
				if s.firstBad == "" {
					s.firstBad = fmt.Sprintf("status %d: %v", status, err)
				}
			}
			s.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond): // retry pace
			}
		}
	}
}

// pauseAfter returns the longest wait for an acknowledgement from t on:
// the longest time between t or an acknowledgement and the next one.
func (s *clusterSender) pauseAfter(t time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var pause time.Duration
	prev := t
	for _, at := range s.ackTimes {
		if at.Before(t) {
			continue
		}
		pause = max(pause, at.Sub(prev))
		prev = at
	}
	return pause
}

// ackedIDs returns a copy of the acknowledged ids, in order.
func (s *clusterSender) ackedIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.acked)
}

// checkExactlyOnce fails t unless got holds no id twice and holds every id
// of acked, in acked's order. got may hold ids that were not acknowledged
// (a send answered 503 whose message was stored after all).
func checkExactlyOnce(t *testing.T, who string, got, acked []string) {
	t.Helper()
	seen := make(map[string]int, len(got))
	for i, id := range got {
		if j, dup := seen[id]; dup {
			t.Fatalf("%s got message %s twice (at %d and %d): %v", who, id, j, i, got)
		}
		seen[id] = i
	}
	prev := -1
	for _, id := range acked {
		i, ok := seen[id]
		if !ok {
			t.Fatalf("%s never got acknowledged message %s (got %d messages, %d acknowledged)\ngot %v\nacknowledged %v", who, id, len(got), len(acked), got, acked)
		}
		if i < prev {
			t.Fatalf("%s got acknowledged message %s out of order", who, id)
		}
		prev = i
	}
}

// TestClusterSurvivesLosingANode: three nodes, clustered by their embedded
// NATS or on an external three-server NATS cluster, R3. Two clients listen
// on each node while a sender posts to another one. SIGKILL a node (with
// the embedded cluster, the one leading the chat log's RAFT group; with
// the external cluster, also shut down the NATS server leading it): its
// clients reconnect to a surviving node with their Last-Event-ID, and
// every client gets every acknowledged message exactly once, in order.
// The killed node then restarts, catches up before it listens, and serves
// the same history with the same ids.
func TestClusterSurvivesLosingANode(t *testing.T) {
	tests := []struct {
		name string
		// start returns the nodes, which one to kill, and what else to
		// lose with it.
		start func(t *testing.T) (nodes []*Server, victim int, loseNATS func())
	}{
		{"embedded NATS cluster", func(t *testing.T) ([]*Server, int, func()) {
			// Debug logs: the embedded NATS server says which leads what.
			nodes := StartCluster(t, 3, func(int) []Option { return []Option{WithFlags("--send-rate", "0", "--log-level", "debug")} })
			return nodes, chatLeader(t, nodes), func() {}
		}},
		{"external NATS cluster", func(t *testing.T) ([]*Server, int, func()) {
			nc := StartNATSCluster(t, 3)
			nodes := StartServers(t, 3, func(int) []Option {
				return []Option{
					WithFlags("--nats-url", nc.URL(), "--send-rate", "0"),
					WithEnv("TICKERTALK_NATS_USER="+ClusterUser, "TICKERTALK_NATS_PASSWORD="+ClusterPassword),
				}
			})
			return nodes, 2, func() { nc.Stop(nc.StreamLeader(chatStream)) }
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nodes, victim, loseNATS := tc.start(t)
			// The order the clients of node i try the nodes in: i first.
			order := func(i int) []string {
				return []string{nodes[i].URL, nodes[(i+1)%3].URL, nodes[(i+2)%3].URL}
			}
			for _, n := range nodes {
				waitReady(t, n.URL, 30*time.Second)
			}
			ctx, cancel := context.WithCancel(t.Context())
			var wg sync.WaitGroup
			t.Cleanup(func() { cancel(); wg.Wait() })

			// Two clients per node; each falls back on the others in turn.
			var clients []*failoverClient
			for i := range 6 {
				c := &failoverClient{nodes: order(i % 3)}
				clients = append(clients, c)
				wg.Go(func() { c.listen(ctx) })
			}
			// The room's presence, sent once the node has registered the
			// stream, tells that it is: a message sent before would not
			// reach a client that gave no Last-Event-ID.
			wait.For(t, 10*time.Second, "every client streaming", func() bool {
				for _, c := range clients {
					c.mu.Lock()
					on, presences := c.on, c.presences
					c.mu.Unlock()
					if on == "" || presences == 0 {
						return false
					}
				}
				return true
			})

			snd := &clusterSender{client: testclient.NewSession(t, nodes[(victim+1)%3].URL, "sender", testclient.WithTimeout(10*time.Second))}
			sendCtx, stopSending := context.WithCancel(ctx)
			sent := make(chan struct{})
			go func() { defer close(sent); snd.run(sendCtx) }()
			defer func() { stopSending(); <-sent }()
			wait.For(t, 15*time.Second, "50 acknowledged messages", func() bool { return len(snd.ackedIDs()) >= 50 })
			// Every client holds an id to resume from before the kill: a
			// node's follower may lag its log by a few seconds on a loaded
			// machine, and a client that never got an id resumes from
			// nothing (as a page does, which then loads the room's latest
			// page instead).
			first := snd.ackedIDs()[0]
			wait.For(t, 20*time.Second, "every client to have the first acknowledged message", func() bool {
				for _, c := range clients {
					if !slices.Contains(c.received(), first) {
						return false
					}
				}
				return true
			})

			killed := time.Now()
			nodes[victim].Kill()
			loseNATS()
			before := len(snd.ackedIDs())
			// Writes go on: 50 more acknowledged after the loss (the RAFT
			// groups that had their leader on the lost server elect another
			// one first, 4 to 9 s).
			wait.For(t, 45*time.Second, "50 more acknowledged messages after the kill", func() bool {
				return len(snd.ackedIDs()) >= before+50
			})
			var resumed time.Duration
			for _, c := range clients {
				if c.nodes[0] != nodes[victim].URL {
					continue
				}
				c.mu.Lock()
				d := c.resumedAt.Sub(killed)
				on := c.on
				c.mu.Unlock()
				if on == "" || on == nodes[victim].URL || d <= 0 {
					t.Fatalf("a client of the killed node is on %q (resumed %v after the kill)", on, d)
				}
				resumed = max(resumed, d)
			}
			stopSending()
			<-sent
			acked := snd.ackedIDs()
			last := acked[len(acked)-1]
			for i, c := range clients {
				wait.ForNil(t, 15*time.Second, func() error {
					got := c.received()
					if slices.Contains(got, last) {
						return nil
					}
					c.mu.Lock()
					defer c.mu.Unlock()
					return fmt.Errorf("client %d (of %s, now on %q, %d reconnects) got %d messages, the last %v; the last acknowledged is %s of %d",
						i, c.nodes[0], c.on, c.reconnects, len(got), got[max(0, len(got)-1):], last, len(acked))
				})
				c.mu.Lock()
				resyncs := c.resyncs
				c.mu.Unlock()
				if resyncs > 0 {
					t.Fatalf("client %d got resync %d times: a resume must replay", i, resyncs)
				}
				checkExactlyOnce(t, fmt.Sprintf("client %d", i), c.received(), acked)
			}
			snd.mu.Lock()
			bad, refused, firstBad := snd.badRefusals, snd.refused, snd.firstBad
			snd.mu.Unlock()
			if bad > 0 {
				t.Fatalf("%d of %d refused sends were not 503 with Retry-After; the first: %s", bad, refused, firstBad)
			}
			t.Logf("%d messages acknowledged, %d sends refused (503) and retried; sends paused at most %v after the kill; the killed node's clients resumed on another node within %v",
				len(acked), refused, snd.pauseAfter(killed).Round(time.Millisecond), resumed.Round(time.Millisecond))

			// The killed node comes back: it listens only once caught up,
			// and replays what it missed with the same ids.
			nodes[victim].StartAgain()
			waitReady(t, nodes[victim].URL, 30*time.Second)
			r := testclient.OpenStream(t, nodes[victim].URL+tt.PathEventStream+"?room="+clusterRoom, acked[0])
			var replayed []string
			for !slices.Contains(replayed, last) {
				ev := r.MustNextEvent(t, 10*time.Second, tt.EventMessage, tt.EventResync)
				if ev.Event == tt.EventResync {
					t.Fatalf("the restarted node answered a resume from %s with resync", acked[0])
				}
				replayed = append(replayed, ev.ID)
			}
			checkExactlyOnce(t, "the restarted node's replay", replayed, acked[1:])
		})
	}
}

// waitReady waits until base answers /readyz with 200.
func waitReady(t *testing.T, base string, d time.Duration) {
	t.Helper()
	wait.For(t, d, base+" ready", func() bool { return readyStatus(base) == http.StatusOK })
}

// readyStatus is the status of GET /readyz on base, 0 when it fails.
func readyStatus(base string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+tt.PathReady, nil)
	if err != nil {
		return 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestNATSQuorumLoss: a node on an external three-server NATS cluster, R3,
// loses two of the servers. Every POST /send answers within 5 s, soon only
// 503 with Retry-After and the JSON error, /readyz says not ready, and
// every message that was acknowledged is in the log once a second server
// is back, which the node notices by itself: it is ready and sends are
// acknowledged again without a restart.
func TestNATSQuorumLoss(t *testing.T) {
	nc := StartNATSCluster(t, 3)
	node := StartServers(t, 1, func(int) []Option {
		return []Option{
			WithFlags("--nats-url", nc.URL(), "--send-rate", "0"),
			WithEnv("TICKERTALK_NATS_USER="+ClusterUser, "TICKERTALK_NATS_PASSWORD="+ClusterPassword),
		}
	})[0]
	waitReady(t, node.URL, 30*time.Second)
	alice := testclient.NewSession(t, node.URL, "alice", testclient.WithTimeout(20*time.Second))
	var acked []string
	// post sends one message and returns its status, how long it took
	// and the answer's error; a 201 is recorded in acked.
	post := func(text string) (int, time.Duration, error) {
		start := time.Now()
		var m tt.ChatMessage
		status, err := alice.PostJSON(t.Context(), tt.PathSend,
			tt.SendRequest{Room: clusterRoom, Text: text, ClientID: testclient.NewClientID()}, &m)
		if status == http.StatusCreated {
			acked = append(acked, m.ID)
		}
		return status, time.Since(start), err
	}
	for i := range 5 {
		if status, _, err := post(fmt.Sprintf("before %d", i)); status != http.StatusCreated {
			t.Fatalf("send before the loss: %d %v", status, err)
		}
	}

	lost := time.Now()
	nc.Stop(1)
	nc.Stop(2)
	// A new person's nickname is refused in time too.
	bob := testclient.NewClient(t, node.URL, testclient.WithTimeout(20*time.Second))
	start := time.Now()
	status, err := bob.PostJSON(t.Context(), tt.PathSession, tt.Session{Nick: "bob"}, nil)
	var se *testclient.StatusError
	if took := time.Since(start); took > 5*time.Second || status != http.StatusServiceUnavailable ||
		!errors.As(err, &se) || se.Header.Get("Retry-After") == "" {
		t.Fatalf("POST %s during the loss: %d %v after %v, want 503 with Retry-After within 5 s", tt.PathSession, status, err, took)
	}
	refusals := 0
	for i := 0; refusals < 3; i++ {
		status, took, err := post(fmt.Sprintf("during %d", i))
		if took > 5*time.Second {
			t.Fatalf("send %d during the loss answered %d after %v, want within 5 s", i, status, took)
		}
		switch status {
		case http.StatusCreated:
			if time.Since(lost) > 15*time.Second {
				t.Fatalf("send %d acknowledged %v after losing two of three servers", i, time.Since(lost))
			}
			continue
		case http.StatusServiceUnavailable:
		default:
			t.Fatalf("send %d during the loss: %d %v, want 201 or 503", i, status, err)
		}
		if !errors.As(err, &se) || se.Header.Get("Retry-After") == "" || se.APIError().Code == "" || se.APIError().Error == "" {
			t.Fatalf("send %d during the loss: %v, want a 503 with Retry-After and a JSON error", i, err)
		}
		if refusals == 0 {
			t.Logf("first refusal: %d %q", status, se.APIError().Error)
		}
		refusals++
	}
	wait.For(t, 15*time.Second, "/readyz not ready", func() bool { return readyStatus(node.URL) == http.StatusServiceUnavailable })
	t.Logf("first refusal and not ready within %v of the loss", time.Since(lost).Round(time.Millisecond))

	back := time.Now()
	nc.Start(1)
	waitReady(t, node.URL, 60*time.Second)
	wait.For(t, 30*time.Second, "a send acknowledged again", func() bool {
		status, _, _ := post("after")
		return status == http.StatusCreated
	})
	t.Logf("writes again %v after a second server returned", time.Since(back).Round(time.Millisecond))

	r := testclient.OpenStream(t, node.URL+tt.PathEventStream+"?room="+clusterRoom, acked[0])
	var replayed []string
	for !slices.Contains(replayed, acked[len(acked)-1]) {
		ev := r.MustNextEvent(t, 10*time.Second, tt.EventMessage, tt.EventResync)
		if ev.Event == tt.EventResync {
			t.Fatalf("a resume from %s got resync", acked[0])
		}
		replayed = append(replayed, ev.ID)
	}
	checkExactlyOnce(t, "the log after the loss", replayed, acked[1:])
}
