package node

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/internal/testclient"
)

// startNode runs a whole node in-process on 127.0.0.1 (see
// startClusterNode) with a 200 ms heartbeat, and returns its base URL.
func startNode(t *testing.T, mutate func(*config.Config)) string {
	t.Helper()
	return startClusterNode(t, func(c *config.Config) {
		c.Heartbeat = 200 * time.Millisecond
		if mutate != nil {
			mutate(c)
		}
	}).URL
}

// TestTickerUpdatesEverySymbolAtTheTick reads the stream of a node with
// its real market: a snapshot with sparkline history first, then one update
// per tick carrying every configured symbol, and heartbeats in between.
func TestTickerUpdatesEverySymbolAtTheTick(t *testing.T) {
	symbols := []string{"ACME", "GLOBEX", "INITECH"}
	base := startNode(t, func(c *config.Config) { c.Symbols = symbols })
	s := testclient.OpenStream(t, base+tt.PathEventStream, "")
	// The deadline ends a stalled read too, not only a slow stream.
	deadline := time.Now().Add(10 * time.Second)
	var updates []time.Time
	pings, first := 0, true
	for len(updates) < 12 {
		ctx, cancel := context.WithDeadline(t.Context(), deadline)
		ev, err := s.Next(ctx)
		cancel()
		if err != nil {
			t.Fatalf("only %d updates in 10 s (stream: %v)", len(updates), err)
		}
		if ev.IsComment() {
			if ev.Comment == "ping" {
				pings++
			}
			continue
		}
		if ev.HasID {
			t.Fatalf("a ticker-only stream got an id line %q", ev.ID)
		}
		if !ev.HasData {
			continue
		}
		if ev.Event != tt.EventUpdate {
			t.Fatalf("a ticker-only stream got a %q event: %s", ev.Event, ev.Data)
		}
		var u tt.TickerUpdate
		if err := json.Unmarshal([]byte(ev.Data), &u); err != nil {
			t.Fatalf("bad update %q: %v", ev.Data, err)
		}
		if len(u.Quotes) != len(symbols) {
			t.Fatalf("update with %d quotes, want %d", len(u.Quotes), len(symbols))
		}
		for i, q := range u.Quotes {
			if q.Symbol != symbols[i] || q.Price <= 0 {
				t.Fatalf("quote %d = %+v", i, q)
			}
			if first && len(u.History[q.Symbol]) < 2 {
				t.Fatalf("first update lacks history for %s", q.Symbol)
			}
		}
		first = false
		updates = append(updates, ev.Received)
	}
	// 11 intervals at a 100 ms tick: well under a second each, on average
	// about the tick (generous bounds for a loaded 2-core machine).
	span := updates[len(updates)-1].Sub(updates[1])
	if avg := span / time.Duration(len(updates)-2); avg > 400*time.Millisecond || avg < 50*time.Millisecond {
		t.Fatalf("average interval %v at a 100 ms tick", avg)
	}
	for i := 2; i < len(updates); i++ {
		if gap := updates[i].Sub(updates[i-1]); gap > time.Second {
			t.Fatalf("gap of %v between updates", gap)
		}
	}
	if pings == 0 {
		t.Fatal("no heartbeat in over a second at a 200 ms heartbeat")
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	base := startNode(t, nil)
	for _, tc := range []struct {
		path, want string
	}{
		{tt.PathHealth, `"ok"`},
		{tt.PathReady, `"ready"`},
		{tt.PathMetrics, "tickertalk_sse_connections"},
		{"/manifest.webmanifest", "Tickertalk"},
	} {
		resp, err := http.Get(base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body := new(strings.Builder)
		_, _ = bufio.NewReader(resp.Body).WriteTo(body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(body.String(), tc.want) {
			t.Errorf("GET %s = %d, body lacks %q", tc.path, resp.StatusCode, tc.want)
		}
	}
}

// TestServeClosesListenerWhenStartFails: a listener handed to Serve is
// closed on return even when the node never got to serve it.
func TestServeClosesListenerWhenStartFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.WebDir = filepath.Join(t.TempDir(), "missing")
	if err := Serve(t.Context(), cfg, testLogger(t), ln); err == nil {
		t.Fatal("Serve with a missing web directory succeeded")
	}
	// Open, it would time out here instead of failing at once.
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after a failed Serve: %v, want net.ErrClosed", err)
	}
}
