package node

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// TestStreamCapKeepsTheRestServing: with --max-streams 3, a fourth stream
// is answered 503 with Retry-After and a JSON error, while health checks
// (each on a new connection) answer within 100 ms and a send goes through
// to the open streams; a closed stream frees its place.
func TestStreamCapKeepsTheRestServing(t *testing.T) {
	base := startNode(t, func(c *config.Config) { c.MaxStreams = 3 })
	url := base + tt.PathEventStream + "?room=lobby"
	streams := make([]*testclient.Stream, 3)
	for i := range streams {
		streams[i] = testclient.OpenStream(t, url, "")
	}

	_, err := testclient.DialStream(t.Context(), nil, url, "")
	var se *testclient.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("a fourth stream: %v, want a 503", err)
	}
	if se.Code != http.StatusServiceUnavailable || se.APIError().Code != tt.CodeTooManyStreams {
		t.Fatalf("a fourth stream: %v, want 503 %s", se, tt.CodeTooManyStreams)
	}
	if ra, err := strconv.Atoi(se.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("Retry-After %q, want whole seconds", se.Header.Get("Retry-After"))
	}

	fresh := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var took []time.Duration
	for range 5 {
		for _, p := range []string{tt.PathHealth, tt.PathReady} {
			start := time.Now()
			resp, err := fresh.Get(base + p)
			if err != nil {
				t.Fatalf("GET %s at the stream cap: %v", p, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s at the stream cap: %d", p, resp.StatusCode)
			}
			if p == tt.PathHealth {
				took = append(took, time.Since(start))
			}
		}
	}
	slices.Sort(took)
	if median := took[len(took)/2]; median > 100*time.Millisecond {
		t.Errorf("/healthz at the stream cap: median %v, want within 100 ms (%v)", median, took)
	}

	alice := testclient.NewSession(t, base, "alice", curl...)
	sent := alice.Send(t, "lobby", "still here", testclient.NewClientID())
	for i, s := range streams {
		ev := s.MustNextEvent(t, 10*time.Second, tt.EventMessage)
		if ev.ID != sent.ID {
			t.Fatalf("stream %d got message %s, want %s", i, ev.ID, sent.ID)
		}
	}

	streams[0].Close()
	wait.ForNil(t, 10*time.Second, func() error {
		s, err := testclient.DialStream(context.Background(), nil, url, "")
		if err == nil {
			t.Cleanup(s.Close)
		}
		return err
	})
}

func TestStreamCapFromTheDescriptorLimit(t *testing.T) {
	tests := []struct {
		limit uint64
		want  int
	}{
		{20_000, 19_375},     // a 32nd kept
		{1024, 512},          // 512 kept, half
		{300, 150},           // never more than half kept
		{4096, 3584},         // 512 kept
		{1 << 20, 1_015_808}, // 32,768 kept
		{1 << 40, 1<<31 - 1},
	}
	for _, tc := range tests {
		if got := streamCap(tc.limit); got != tc.want {
			t.Errorf("streamCap(%d) = %d, want %d", tc.limit, got, tc.want)
		}
	}
}
