package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// Bounds of fail-over that the README promises.
const (
	tickerResume = 3 * time.Second // publisher lost → updates again
	presenceDrop = 5 * time.Second // node lost → its people gone elsewhere
	freeze       = 30 * time.Second
)

// TestFrozenPublisherNeverPublishesAgain: three nodes; the
// ticker's publisher is frozen (SIGSTOP) for 30 s, then woken (SIGCONT).
// Another node publishes within 3 s of the freeze, and on the bus no update
// of the frozen node's term ever follows one of the new term: not during
// the freeze, not when it wakes.
//
// It runs on one NATS server that the test runs, and on nodes clustered by
// their embedded NATS servers (R3), where the freeze also takes one of the
// NATS servers away.
func TestFrozenPublisherNeverPublishesAgain(t *testing.T) {
	t.Parallel()
	for _, bus := range buses {
		t.Run(bus.name, func(t *testing.T) {
			t.Parallel()
			nodes, natsURL := bus.start(t)
			frozenPublisher(t, nodes, natsURL)
		})
	}
}

func frozenPublisher(t *testing.T, nodes []*Server, natsURL func(skip int) string) {
	pub := publisher(t, nodes)
	tap := startTickerTap(t, natsURL(pub))
	var onOthers []*testclient.Stream
	for i, n := range nodes {
		if i != pub {
			onOthers = append(onOthers, testclient.OpenStream(t, n.URL+tt.PathEventStream, ""))
		}
	}
	wait.For(t, 10*time.Second, "10 updates on the bus", func() bool { return len(tap.all()) >= 10 })
	epoch := tap.all()[len(tap.all())-1].epoch

	nodes[pub].Signal(syscall.SIGSTOP)
	frozen := time.Now()
	t.Cleanup(func() { nodes[pub].Signal(syscall.SIGCONT) })
	wait.For(t, 10*time.Second, "a new publisher", func() bool {
		_, next := tap.handover(epoch)
		return !next.at.IsZero()
	})
	last, next := tap.handover(epoch)
	if took := next.at.Sub(frozen); took > tickerResume {
		t.Errorf("ticker resumed %v after the publisher froze, want at most %v", took, tickerResume)
	}
	t.Logf("publisher frozen: last update of term %d %v before the freeze, first of term %d %v after it (gap %v)",
		epoch, frozen.Sub(last.at).Round(time.Millisecond), next.epoch, next.at.Sub(frozen).Round(time.Millisecond),
		next.at.Sub(last.at).Round(time.Millisecond))

	// The freeze lasts its 30 s (the scenario, not a synchronisation); the
	// invariant is checked all along, and a breach ends the wait early.
	wait.ForNil(t, freeze+10*time.Second, func() error {
		if err := tap.oneAtATime(); err != nil {
			return nil // reported just below
		}
		if time.Since(frozen) < freeze {
			return fmt.Errorf("frozen for %v of %v", time.Since(frozen).Round(time.Second), freeze)
		}
		return nil
	})
	if err := tap.oneAtATime(); err != nil {
		t.Fatalf("while frozen: %v", err)
	}
	nodes[pub].Signal(syscall.SIGCONT)
	woke := time.Now()

	// Awake, the old publisher sees its term is over before it acts, and
	// then serves the new publisher's prices to its own clients.
	wait.For(t, 10*time.Second, "the woken node to know it lost the lease", func() bool {
		return strings.Contains(nodes[pub].Logs(), "lease lost") || strings.Contains(nodes[pub].Logs(), "ticker stopped")
	})
	waitReady(t, nodes[pub].URL, 30*time.Second)
	mine := testclient.OpenStream(t, nodes[pub].URL+tt.PathEventStream, "")
	mine.MustNextEvent(t, 5*time.Second, tt.EventUpdate)
	mine.MustNextEvent(t, 5*time.Second, tt.EventUpdate)
	wait.For(t, 10*time.Second, "2 s of updates after the wake", func() bool {
		all := tap.all()
		return all[len(all)-1].at.Sub(woke) > 2*time.Second
	})
	if err := tap.oneAtATime(); err != nil {
		t.Fatalf("after the wake: %v", err)
	}
	// What the survivors' clients saw of the takeover; later gaps (on the
	// embedded cluster, the woken NATS server can force an election that
	// costs the new holder its lease) are logged.
	for i, s := range onOthers {
		evs := s.Events()
		gap := updateGap(evs, frozen.Add(-time.Second), firstUpdateAfter(evs, next.at))
		t.Logf("stream %d on a surviving node: takeover gap %v, longest gap from the freeze to the end %v",
			i, gap.Round(time.Millisecond), updateGap(evs, frozen, time.Now()).Round(time.Millisecond))
		if gap > tickerResume+time.Second {
			t.Errorf("stream %d: %v without an update at the takeover", i, gap)
		}
	}
}

// TestKilledNodeFailsOver: three nodes on one NATS, clients on each, a
// poster posting; the node that publishes the ticker, where carol is, is
// killed (SIGKILL). The ticker resumes within 3 s, carol leaves presence
// on the others within 5 s, and every client of the killed node resumes
// on another node with exactly the messages it missed.
func TestKilledNodeFailsOver(t *testing.T) {
	t.Parallel()
	killedNodeFailsOver(t, startNodes(t, 3, StartNATS(t)))
}

func killedNodeFailsOver(t *testing.T, nodes []*Server) {
	urls := urlsOf(nodes)
	victim := publisher(t, nodes)
	order := []int{victim, (victim + 1) % 3, (victim + 2) % 3}
	nicks := []string{"carol", "alice", "bob"} // carol on the victim
	var lobby []*testclient.Stream
	for i, n := range order {
		c := testclient.NewSession(t, urls[n], nicks[i], testclient.WithoutOrigin())
		lobby = append(lobby, c.OpenStream(t, tt.PathEventStream+"?room=lobby", ""))
	}
	for _, s := range lobby[1:] {
		s.WaitFor(t, 10*time.Second, "presence of all three", presenceOf("alice", "bob", "carol"))
	}
	var clients []*FailoverStream
	for i := range 6 {
		clients = append(clients, OpenFailoverStream(t, nil, urls, i%3, tt.PathEventStream+"?room=ops"))
	}
	p := startPoster(t, []string{urls[order[1]], urls[order[2]]}, "poster", "ops")
	p.waitAcked(t, 20)

	nodes[victim].Kill()
	killed := time.Now()

	// The ticker, on the survivors.
	for i, s := range lobby[1:] {
		s.WaitFor(t, 10*time.Second, "an update after the kill", func(evs []testclient.Event) bool {
			return !firstUpdateAfter(evs, killed).IsZero()
		})
		gap := updateGap(s.Events(), killed.Add(-time.Second), firstUpdateAfter(s.Events(), killed))
		t.Logf("survivor %d: ticker gap %v around the kill", i, gap.Round(time.Millisecond))
		if gap > tickerResume+500*time.Millisecond {
			t.Errorf("survivor %d: %v without a ticker update", i, gap)
		}
	}
	// Presence.
	for i, s := range lobby[1:] {
		s.WaitFor(t, 10*time.Second, "carol gone", presenceOf("alice", "bob"))
		at := lastPresence(s.Events()).Received
		t.Logf("survivor %d: carol left presence %v after the kill", i, at.Sub(killed).Round(time.Millisecond))
		if at.Sub(killed) > presenceDrop {
			t.Errorf("survivor %d: carol left presence %v after the kill, want at most %v", i, at.Sub(killed), presenceDrop)
		}
	}
	// Fail-over: every client of the victim on another node.
	var resumed time.Duration
	for i, c := range clients {
		wait.For(t, 10*time.Second, fmt.Sprint("client ", i, " on a live node"), func() bool {
			cs := c.Connections()
			return cs[len(cs)-1].Server != victim
		})
		if cs := c.Connections(); len(cs) > 1 {
			resumed = max(resumed, cs[len(cs)-1].Opened.Sub(killed))
		}
	}
	t.Logf("fail-over: every client of the killed node resumed within %v of the kill", resumed.Round(time.Millisecond))

	p.waitMore(t, 20)
	p.stop()
	acked, retries, failed := p.result()
	if failed != nil {
		t.Errorf("posts that failed after a retry: %v", failed)
	}
	t.Logf("%d messages acknowledged, %d retried", len(acked), retries)
	for i, c := range clients {
		waitExactlyOnce(t, i, c, acked)
		if n := len(c.Connections()); n > 2 {
			t.Errorf("client %d connected %d times, want at most 2", i, n)
		}
	}
}

// TestRollingRestart: three nodes restarted one after the other
// (SIGTERM, start, wait until ready) while a poster posts and clients
// listen on every node: nothing acknowledged is lost, no post needs more
// than its one retry, and each client reconnects at most once per node it
// was on.
//
// It runs on one NATS server that the test runs, and on nodes clustered by
// their embedded NATS servers (R3), where each restart also takes one of
// the NATS servers, and the leaderships it held, away.
func TestRollingRestart(t *testing.T) {
	t.Parallel()
	for _, bus := range buses {
		t.Run(bus.name, func(t *testing.T) {
			t.Parallel()
			nodes, _ := bus.start(t)
			rollingRestart(t, nodes)
		})
	}
}

func rollingRestart(t *testing.T, nodes []*Server) {
	urls := urlsOf(nodes)
	var clients []*FailoverStream
	for i := range 6 {
		clients = append(clients, OpenFailoverStream(t, nil, urls, i%3, tt.PathEventStream+"?room=ops"))
	}
	p := startPoster(t, urls, "poster", "ops")
	p.waitAcked(t, 10)
	// Every client holds a message id before the first restart: a stream
	// that ends before its node delivered anything (it follows the log
	// a few milliseconds behind, more on a loaded machine) leaves its
	// client without a Last-Event-ID to resume from.
	first, _, _ := p.result()
	for i, c := range clients {
		waitExactlyOnce(t, i, c, first)
	}
	for i, n := range nodes {
		start := time.Now()
		t.Logf("restarting node %d at %s", i, start.Format("15:04:05.000"))
		n.Restart()
		waitReady(t, n.URL, 30*time.Second)
		ready := time.Since(start)
		p.waitMore(t, 10)
		failed, unavailable, window, noAck := p.outage(start, time.Now())
		t.Logf("node %d restarted and ready in %v; meanwhile %d posts failed, %d of them with 503 (first to last %v), longest without an acknowledgement %v",
			i, ready.Round(time.Millisecond), failed, unavailable, window.Round(time.Millisecond), noAck.Round(time.Millisecond))
	}
	p.stop()
	acked, retries, failed := p.result()
	if failed != nil {
		t.Errorf("posts that failed after a retry: %v\nevery failed attempt:%s", failed, p.failedAttempts())
	}
	t.Logf("%d messages acknowledged, %d retried", len(acked), retries)
	for i, c := range clients {
		waitExactlyOnce(t, i, c, acked)
		ended := map[int]int{}
		for _, conn := range c.Connections() {
			if !conn.Ended.IsZero() {
				ended[conn.Server]++
			}
		}
		for server, n := range ended {
			if n > 1 {
				t.Errorf("client %d lost its stream on node %d %d times, want at most once", i, server, n)
			}
		}
	}
}

// firstUpdateAfter returns when the first update received after t came,
// or zero.
func firstUpdateAfter(evs []testclient.Event, t time.Time) time.Time {
	for _, ev := range evs {
		if ev.Event == tt.EventUpdate && ev.Received.After(t) {
			return ev.Received
		}
	}
	return time.Time{}
}

// lastPresence returns the last presence block of evs.
func lastPresence(evs []testclient.Event) testclient.Event {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Event == tt.EventPresence {
			return evs[i]
		}
	}
	return testclient.Event{}
}

// presenceOf matches a stream whose latest presence event lists exactly
// nicks, with that count.
func presenceOf(nicks ...string) func([]testclient.Event) bool {
	return func(evs []testclient.Event) bool {
		ev := lastPresence(evs)
		var p tt.Presence
		if json.Unmarshal([]byte(ev.Data), &p) != nil {
			return false
		}
		return slices.Equal(p.Online, nicks) && p.Count == len(nicks)
	}
}
