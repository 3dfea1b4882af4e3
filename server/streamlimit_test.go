package server

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// TestStreamCapPerAddress: past --max-streams-per-ip, a stream from the
// same address gets 503 with Retry-After, though the node has room; that
// address can still send, and gets a stream again once one closes.
func TestStreamCapPerAddress(t *testing.T) {
	n := startNode(t, "", func(o *Options) { o.MaxStreams, o.MaxStreamsPerIP, o.capLoopback = 10, 2, true })
	url := n.URL + tt.PathEventStream + "?room=lobby"
	first := testclient.OpenStream(t, url, "")
	testclient.OpenStream(t, url, "")

	_, err := testclient.DialStream(t.Context(), nil, url, "")
	var se *testclient.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusServiceUnavailable || se.APIError().Code != tt.CodeTooManyStreams {
		t.Fatalf("a third stream from one address: %v, want 503 %s", err, tt.CodeTooManyStreams)
	}
	if !strings.Contains(se.APIError().Error, "your address") || se.Header.Get("Retry-After") == "" {
		t.Fatalf("a third stream: %q, Retry-After %q; want the per-address error with Retry-After",
			se.APIError().Error, se.Header.Get("Retry-After"))
	}

	alice := n.newUser(t, "alice")
	sent := alice.Send(t, "lobby", "hello", testclient.NewClientID())
	if ev := first.MustNextEvent(t, 10*time.Second, tt.EventMessage); ev.ID != sent.ID {
		t.Fatalf("got message %s, want %s", ev.ID, sent.ID)
	}

	first.Close()
	wait.ForNil(t, 10*time.Second, func() error {
		s, err := testclient.DialStream(context.Background(), nil, url, "")
		if err == nil {
			t.Cleanup(s.Close)
		}
		return err
	})
}

// TestStreamLimits counts streams per address against both caps.
func TestStreamLimits(t *testing.T) {
	a := netip.MustParseAddr("192.0.2.1")
	b := netip.MustParseAddr("192.0.2.2")
	lo := netip.MustParseAddr("127.0.0.1")
	type step struct {
		acquire bool // else release
		addr    netip.Addr
		want    error
	}
	tests := []struct {
		name        string
		total, per  int
		capLoopback bool
		steps       []step
	}{
		{"per address", 10, 2, false, []step{
			{true, a, nil}, {true, a, nil}, {true, a, errTooManyStreamsAddr}, {true, b, nil},
			{false, a, nil}, {true, a, nil},
		}},
		{"total", 2, 5, false, []step{
			{true, a, nil}, {true, b, nil}, {true, b, errTooManyStreams}, {false, a, nil}, {true, b, nil},
		}},
		{"loopback counts only in the total", 3, 1, false, []step{
			{true, lo, nil}, {true, lo, nil}, {true, lo, nil}, {true, lo, errTooManyStreams},
		}},
		{"loopback capped for tests", 3, 1, true, []step{
			{true, lo, nil}, {true, lo, errTooManyStreamsAddr},
		}},
		{"no caps", 0, 0, false, []step{
			{true, a, nil}, {true, a, nil}, {true, a, nil},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newStreamLimits(tc.total, tc.per, tc.capLoopback)
			for i, s := range tc.steps {
				if !s.acquire {
					l.release(s.addr)
					continue
				}
				if got := l.acquire(s.addr); got != s.want {
					t.Fatalf("step %d: acquire(%v) = %v, want %v", i, s.addr, got, s.want)
				}
			}
		})
	}
}

func TestStreamKey(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::"},
		{"::1", "::1"}, // loopback stays loopback
		{"127.0.0.1", "127.0.0.1"},
	}
	for _, tc := range tests {
		if got := streamKey(netip.MustParseAddr(tc.addr)); got.String() != tc.want {
			t.Errorf("streamKey(%s) = %v, want %s", tc.addr, got, tc.want)
		}
	}
}

// TestStreamCapPerForwardedAddress: behind a trusted proxy, the per-address
// cap counts the address the proxy forwards, not the proxy's own.
func TestStreamCapPerForwardedAddress(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	n := startNode(t, "", func(o *Options) { o.MaxStreamsPerIP, o.TrustedProxies = 1, loopback })
	open := func(forwardedFor string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, n.URL+tt.PathEventStream, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Forwarded-For", forwardedFor)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp.StatusCode
	}
	for i, tc := range []struct {
		forwardedFor string
		status       int
	}{
		{"192.0.2.1", http.StatusOK},
		{"192.0.2.1", http.StatusServiceUnavailable},
		{"192.0.2.2", http.StatusOK},
		{"198.51.100.9, 192.0.2.1", http.StatusServiceUnavailable}, // the right-most untrusted hop
	} {
		if got := open(tc.forwardedFor); got != tc.status {
			t.Errorf("stream %d from %q: %d, want %d", i, tc.forwardedFor, got, tc.status)
		}
	}
}
