package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/freeport"
	"tickertalk/internal/wait"
)

// openCluster opens n Stores whose embedded servers form one cluster on
// loopback, R3, and closes them when the test ends (those still open).
func openCluster(t *testing.T, n int) []*Store {
	t.Helper()
	ports := freeport.Ports(t, n)
	routes := make([]string, n)
	for i, p := range ports {
		routes[i] = "127.0.0.1:" + strconv.Itoa(p)
	}
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// Without a deadline: Open's requests then wait JetStream's
			// default timeout each, and it tries again until the cluster
			// formed.
			stores[i], errs[i] = Open(t.Context(), Config{
				DataDir: t.TempDir(), ClusterListen: routes[i], Routes: routes, Replicas: 3,
				User: "node", Password: "cluster-secret",
				Logger: slog.New(slog.DiscardHandler), // a closed peer is dialled again and again
			})
		})
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, s := range stores {
			if s != nil {
				s.Close()
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("open the cluster: %v", err)
	}
	return stores
}

// streamLeader returns the index of the store whose server leads stream.
func streamLeader(t *testing.T, stores []*Store, stream string) int {
	t.Helper()
	who := -1
	wait.ForNil(t, 20*time.Second, func() error {
		for i, s := range stores {
			if s.srv.JetStreamIsStreamLeader("$G", stream) {
				who = i
				return nil
			}
		}
		return fmt.Errorf("no leader of %s", stream)
	})
	return who
}

// TestCloseHandsLeadershipOver: three clustered stores, R3; the one whose
// server leads the chat log is closed. When Close returns, every group it
// led (the chat log, buckets, their consumers) has a leader on another
// server, so the next write on a survivor is acknowledged at once rather
// than after JetStream's election timeout (4 to 9 s); JetStream's
// metadata, which the lame duck shutdown hands over, has a leader among
// the survivors within a second.
func TestCloseHandsLeadershipOver(t *testing.T) {
	stores := openCluster(t, 3)
	leader := streamLeader(t, stores, streamName)
	var survivors []*Store
	for i, s := range stores {
		if i != leader {
			survivors = append(survivors, s)
		}
	}
	ctx := t.Context()
	if _, _, err := survivors[0].Publish(ctx, tt.ChatMessage{Room: "lobby", Nick: "ann", Text: "before"}, ""); err != nil {
		t.Fatalf("publish before: %v", err)
	}
	led := stores[leader].ledHere(allGroups(stores[leader]))
	if len(led) == 0 {
		t.Fatal("the chat log's leader leads no group")
	}

	// Senders on the survivors write all along: the writes in flight as
	// the leader steps down are dropped by it, and must be acknowledged
	// all the same, in time, without the store refusing the next ones.
	senders := make([]*sender, len(survivors))
	for i, s := range survivors {
		senders[i] = startSender(s, fmt.Sprint("survivor-", i))
	}
	if err := stores[leader].Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	closed := time.Now()
	wait.For(t, 10*time.Second, "20 writes of each survivor after the close", func() bool {
		return senders[0].count() >= 20 && senders[1].count() >= 20
	})
	for i, snd := range senders {
		n, slowest, err := snd.stop()
		t.Logf("survivor %d: %d writes during and after the close, the slowest acknowledged in %v", i, n, slowest.Round(time.Millisecond))
		if err != nil {
			t.Errorf("survivor %d: a write during the hand-over: %v", i, err)
		}
		if slowest > 2*time.Second {
			t.Errorf("survivor %d: a write took %v, want at most 2 s", i, slowest)
		}
	}
	for i, s := range survivors {
		if left := s.ledBy(led, stores[leader].srv.Name()); len(left) > 0 {
			t.Errorf("survivor %d: when Close returned, %v had no leader elsewhere", i, left)
		}
	}
	for i, s := range survivors {
		start := time.Now()
		_, _, err := s.Publish(ctx, tt.ChatMessage{Room: "lobby", Nick: "ann", Text: fmt.Sprint("after ", i)}, "")
		took := time.Since(start)
		t.Logf("survivor %d: first write after the close acknowledged in %v (%v)", i, took.Round(time.Millisecond), err)
		if err != nil || took > time.Second {
			t.Errorf("survivor %d: first write after the close: %v after %v, want acknowledged within 1 s", i, err, took)
		}
	}
	wait.For(t, time.Second+time.Since(closed), "a metadata leader among the survivors", func() bool {
		return survivors[0].srv.JetStreamIsLeader() || survivors[1].srv.JetStreamIsLeader()
	})
}

// allGroups returns every stream group and replicated consumer group of
// which s's server holds a replica.
func allGroups(s *Store) []group {
	var out []group
	for _, st := range s.localStreams(true) {
		out = append(out, group{stream: st.Name})
		for _, c := range st.Consumer {
			if c != nil && c.Cluster != nil && len(c.Cluster.Replicas) > 0 {
				out = append(out, group{stream: st.Name, consumer: c.Name})
			}
		}
	}
	return out
}

// sender publishes on a store, one write at a time, each with a dedup id
// (as a send with a client id), until stopped; it records the first error
// and the slowest acknowledgement.
type sender struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	n       int
	slowest time.Duration
	err     error
}

func startSender(s *Store, name string) *sender {
	ctx, cancel := context.WithCancel(context.Background())
	snd := &sender{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(snd.done)
		for i := 0; ctx.Err() == nil; i++ {
			start := time.Now()
			_, _, err := s.Publish(ctx, tt.ChatMessage{Room: "lobby", Nick: "ann", Text: fmt.Sprint(name, " ", i)}, fmt.Sprint(name, "-", i))
			took := time.Since(start)
			snd.mu.Lock()
			if err != nil && ctx.Err() == nil && snd.err == nil {
				snd.err = fmt.Errorf("write %d after %v: %w", i, took, err)
			}
			snd.n++
			snd.slowest = max(snd.slowest, took)
			snd.mu.Unlock()
		}
	}()
	return snd
}

func (snd *sender) count() int {
	snd.mu.Lock()
	defer snd.mu.Unlock()
	return snd.n
}

// stop ends the sender and returns what it recorded.
func (snd *sender) stop() (n int, slowest time.Duration, err error) {
	snd.cancel()
	<-snd.done
	snd.mu.Lock()
	defer snd.mu.Unlock()
	return snd.n, snd.slowest, snd.err
}
