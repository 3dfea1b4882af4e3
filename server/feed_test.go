package server

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tickertalk/internal/testclient"
)

func TestParseToken(t *testing.T) {
	tests := []struct {
		line string
		n    uint64
		ok   bool
	}{
		{": #1\n", 1, true},
		{": #18446744073709551614\n", 18446744073709551614, true},
		{": #\n", 0, false},
		{": #12", 0, false},
		{": #1a\n", 0, false},
		{": ping\n", 0, false},
		{"data: #1\n", 0, false},
		{": #99999999999999999999\n", 0, false}, // over 64 bits
	}
	for _, tc := range tests {
		n, ok := parseToken([]byte(tc.line))
		if n != tc.n || ok != tc.ok {
			t.Errorf("parseToken(%q) = %d, %v; want %d, %v", tc.line, n, ok, tc.n, tc.ok)
		}
	}
	if got := string(appendToken(nil, 42)); got != "#42" {
		t.Errorf("appendToken(42) = %q", got)
	}
}

// TestSeekFindsOnlyTheTokensAfterTheJoin: a connection takes the frame of
// a token after the place it holds, skipping frames it was not sent;
// tokens from before it joined, or of another feed, find nothing.
func TestSeekFindsOnlyTheTokensAfterTheJoin(t *testing.T) {
	var tokens atomic.Uint64
	tokens.Store(10)
	f := newFeed(tokens.Add(1)) // 11
	joined := f.tail.Load()
	link := func() *feedNode { // publish without r3labs
		return f.link(tokens.Add(1), frame{b: []byte(": x\n\n")})
	}
	n12, n13 := link(), link()
	tokens.Add(5) // tokens given to other feeds
	n19 := link()

	tests := []struct {
		name string
		at   *feedNode
		n    uint64
		want *feedNode
	}{
		{"the next", joined, 12, n12},
		{"one skipped", joined, 13, n13},
		{"across other feeds' tokens", n13, 19, n19},
		{"before the join", n12, 12, nil},
		{"older than the feed", joined, 7, nil},
		{"another feed's, within this one's range", n13, 15, nil},
		{"not published yet", n19, 20, nil},
	}
	for _, tc := range tests {
		if got := seek(tc.at, tc.n); got != tc.want {
			t.Errorf("%s: seek(%d, %d) = %v, want %v", tc.name, tc.at.n, tc.n, got, tc.want)
		}
	}
}

// TestConcurrentPublishersReachEveryConnectionInOrder: frames published to
// a room by several goroutines at once reach every connection of the room
// once each, every publisher's in its order: a feed's tokens enter r3labs
// in the order of the feed.
func TestConcurrentPublishersReachEveryConnectionInOrder(t *testing.T) {
	const publishers, each = 4, 200
	n := startNode(t, "")
	streams := []*testclient.Stream{
		testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", ""),
		testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", ""),
	}
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				n.srv.hub.publishRoom("lobby", frame{b: fmt.Appendf(nil, "data: %d %d\nevent: probe\n\n", p, i)})
			}
		}()
	}
	wg.Wait()
	for si, s := range streams {
		s.WaitFor(t, 30*time.Second, "every probe", func(evs []testclient.Event) bool {
			got := 0
			for _, ev := range evs {
				if ev.Event == "probe" {
					got++
				}
			}
			return got >= publishers*each
		})
		next := make([]int, publishers)
		for _, ev := range s.Events() {
			if ev.Event != "probe" {
				continue
			}
			var p, i int
			if _, err := fmt.Sscanf(ev.Data, "%d %d", &p, &i); err != nil || p >= publishers {
				t.Fatalf("stream %d: probe %q", si, ev.Data)
			}
			if i != next[p] {
				t.Fatalf("stream %d: publisher %d's probe %d came after %d: lost, repeated or reordered", si, p, i, next[p]-1)
			}
			next[p]++
		}
		for p, got := range next {
			if got != each {
				t.Fatalf("stream %d: %d of publisher %d's %d probes", si, got, p, each)
			}
		}
	}
}
