package store

import (
	"bytes"
	"fmt"
	"sync"
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
		if err := a.PublishTicker([]byte(fmt.Sprint(`{"tick":`, i, `}`))); err != nil {
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
	if err := a.PublishTicker([]byte("after-stop")); err != nil {
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
