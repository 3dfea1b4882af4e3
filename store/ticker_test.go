package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tickertalk/internal/wait"
)

func TestTickerFanOutInOrder(t *testing.T) {
	t.Parallel()
	a := openTest(t, testConfig(t))
	b := attachTest(t, a)

	type sink struct {
		mu  sync.Mutex
		got [][]byte
	}
	sinks := []*sink{{}, {}}
	var stops []func()
	for i, s := range []*Store{a, b} {
		k := sinks[i]
		stop, err := s.SubscribeTicker(func(data []byte) {
			k.mu.Lock()
			k.got = append(k.got, data)
			k.mu.Unlock()
		})
		if err != nil {
			t.Fatal(err)
		}
		stops = append(stops, stop)
	}
	count := func(k *sink) int { k.mu.Lock(); defer k.mu.Unlock(); return len(k.got) }

	const n = 200
	for i := range n {
		if err := a.PublishTicker(heldLease(1), []byte(fmt.Sprint(`{"tick":`, i, `}`))); err != nil {
			t.Fatal(err)
		}
	}
	for i, k := range sinks {
		wait.For(t, 5*time.Second, fmt.Sprint("subscriber ", i), func() bool { return count(k) >= n })
		k.mu.Lock()
		for j, d := range k.got {
			if want := []byte(fmt.Sprint(`{"tick":`, j, `}`)); !bytes.Equal(d, want) {
				t.Fatalf("subscriber %d payload %d = %s, want %s", i, j, d, want)
			}
		}
		k.mu.Unlock()
	}

	// After stop, no more calls: stop b's subscription, publish, and wait
	// until a (still subscribed) has seen the new payload.
	stops[1]()
	if err := a.PublishTicker(heldLease(1), []byte("after-stop")); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 5*time.Second, "live subscriber", func() bool { return count(sinks[0]) == n+1 })
	if err := b.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := count(sinks[1]); got != n {
		t.Fatalf("stopped subscriber got %d payloads, want %d", got, n)
	}
}

// heldLease is a term of epoch that holds for an hour.
func heldLease(epoch uint64) *Lease {
	return &Lease{epoch: epoch, deadline: time.Now().Add(time.Hour)}
}

// TestTickerDropsStaleEpochs: a subscriber that has seen epoch 5 drops an
// update of epoch 3 (a publisher that woke after another took over) while
// epoch 5 is live, and takes epoch 3 again once 5 has been quiet for the
// lease TTL (a LEASES bucket created anew).
func TestTickerDropsStaleEpochs(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.LeaseTTL = 500 * time.Millisecond
	s := openTest(t, cfg)
	var mu sync.Mutex
	var got []string
	stop, err := s.SubscribeTicker(func(data []byte) {
		mu.Lock()
		got = append(got, string(data))
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	seen := func(want ...string) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			return slices.Equal(got, want)
		}
	}
	old, cur := heldLease(3), heldLease(5)
	for _, p := range []struct {
		lease *Lease
		data  string
	}{{old, "3a"}, {cur, "5a"}, {old, "3b"}, {cur, "5b"}} {
		if err := s.PublishTicker(p.lease, []byte(p.data)); err != nil {
			t.Fatal(err)
		}
	}
	wait.For(t, 5*time.Second, "3a 5a 5b", seen("3a", "5a", "5b"))
	quiet := time.Now()
	wait.For(t, 5*time.Second, "epoch 5 quiet for the TTL", func() bool {
		if err := s.PublishTicker(old, []byte("3c")); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 3 && got[len(got)-1] == "3c"
	})
	wait.For(t, time.Second, "nothing else", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Equal(got[:3], []string{"3a", "5a", "5b"})
	})
	if d := time.Since(quiet); d < cfg.LeaseTTL/2 {
		t.Fatalf("epoch 3 admitted %v after epoch 5's last update, before the TTL %v", d, cfg.LeaseTTL)
	}
}

// TestPublishTickerNeedsTheLease: a term that ended refuses to publish, and
// nothing reaches the subscribers.
func TestPublishTickerNeedsTheLease(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	var n atomic.Int32
	stop, err := s.SubscribeTicker(func([]byte) { n.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	expired := &Lease{epoch: 9, deadline: time.Now().Add(-time.Millisecond)}
	ended := heldLease(9)
	ended.end()
	ended.extend(time.Now().Add(time.Hour)) // a refresh after the end does not revive it
	for name, l := range map[string]*Lease{"expired": expired, "ended": ended} {
		if err := s.PublishTicker(l, []byte("x")); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("%s lease: PublishTicker = %v, want ErrLeaseLost", name, err)
		}
	}
	if err := s.PublishTicker(heldLease(9), []byte("y")); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 5*time.Second, "the held lease's update", func() bool { return n.Load() == 1 })
}
