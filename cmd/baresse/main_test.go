package main

import (
	"context"
	"net"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

func TestRunRefusesWhatItCannotServe(t *testing.T) {
	for _, tc := range []struct {
		addr string
		tick time.Duration
	}{
		{"0.0.0.0:8766", time.Second},
		{"192.0.2.1:8766", time.Second},
		{"localhost:8766", time.Second}, // names are never resolved
		{"127.0.0.1", time.Second},
		{"127.0.0.1:0", 0},
	} {
		if err := run(context.Background(), tc.addr, tc.tick, func(net.Addr) {}); err == nil {
			t.Errorf("run(%q, %v) started", tc.addr, tc.tick)
		}
	}
}

// TestRunStreamsUpdatesAndStops: `:ok`, then ticker updates, then a clean
// stop when the context ends.
func TestRunStreamsUpdatesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", 10*time.Millisecond, func(a net.Addr) { addrs <- a }) }()
	var addr net.Addr
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("run: %v", err)
	}

	s := testclient.OpenStream(t, "http://"+addr.String()+tt.PathEventStream, "")
	reqCtx, reqCancel := context.WithTimeout(ctx, 10*time.Second)
	defer reqCancel()
	if first, err := s.Next(reqCtx); err != nil || !first.IsComment() || first.Comment != "ok" {
		t.Fatalf("stream began %+v, %v; want :ok", first, err)
	}
	if _, err := s.NextEvent(reqCtx, tt.EventUpdate); err != nil {
		t.Fatalf("no update after :ok: %v", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
}
