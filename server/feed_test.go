package server

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/r3labs/sse/v2"

	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
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

// TestFollowingGivesTheFramesUpToTheToken: a token gives a connection the
// frames after the place it holds up to the token's own, skipping no
// frame of the feed; tokens from before it joined give nothing.
func TestFollowingGivesTheFramesUpToTheToken(t *testing.T) {
	var tokens atomic.Uint64
	tokens.Store(10)
	f := newFeed(sse.New(), "s", tokens.Add(1)) // 11
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
		want []*feedNode
	}{
		{"the next", joined, 12, []*feedNode{n12}},
		{"every frame up to the token", joined, 13, []*feedNode{n12, n13}},
		{"across other feeds' tokens", n13, 19, []*feedNode{n19}},
		{"the whole feed", joined, 19, []*feedNode{n12, n13, n19}},
		{"before the join", n12, 12, nil},
		{"older than the feed", joined, 7, nil},
		{"not published yet", n19, 20, nil},
	}
	for _, tc := range tests {
		var got []*feedNode
		following(tc.at, tc.n, func(node *feedNode) { got = append(got, node) })
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: following(%d, %d) gave %d frames, want %d", tc.name, tc.at.n, tc.n, len(got), len(tc.want))
		}
	}
}

// TestFeedPacesItsTokens: frames published while the last token is being
// handed out wait (but for one token, which may overlap a hand-out), and
// one token gives them all once all but a sixteenth
// of the connections took the last one (and, if that one carried frames
// that had waited, half as long again as that took has passed), or once
// the feed's longest wait has passed, or once
// the connections that have not taken it left; a frame that finds the
// feed idle gets its token at once.
func TestFeedPacesItsTokens(t *testing.T) {
	const conns = 32
	newStarted := func(t *testing.T, maxWait time.Duration) (*feed, *shard, *atomic.Uint64) {
		t.Helper()
		var tokens atomic.Uint64
		f := newFeed(sse.New(), "s", tokens.Add(1))
		f.maxWait = maxWait
		s := f.place()
		for range conns {
			f.started(s)
		}
		return f, s, &tokens
	}
	publish := func(f *feed, tokens *atomic.Uint64) uint64 {
		f.publish(tokens, frame{b: []byte(": x\n\n")})
		return f.tail.Load().n
	}
	waitSent := func(t *testing.T, f *feed, n uint64, why string) {
		t.Helper()
		wait.For(t, 10*time.Second, why, func() bool { return f.cur.Load().n == n })
	}

	t.Run("taken by all but a sixteenth", func(t *testing.T) {
		f, s, tokens := newStarted(t, time.Hour)
		a := publish(f, tokens)
		if f.cur.Load().n != a {
			t.Fatalf("an idle feed gave token %d, want %d at once", f.cur.Load().n, a)
		}
		b := publish(f, tokens)
		if f.cur.Load().n != b {
			t.Fatalf("token %d waits, the first to overlap the hand-out of %d", b, a)
		}
		publish(f, tokens)
		d := publish(f, tokens)
		for range conns - conns/16 - 1 {
			f.taken(s, b)
		}
		if f.cur.Load().n != b {
			t.Fatalf("token %d given while %d connections have yet to take %d, which overlapped a hand-out", f.cur.Load().n, conns/16+1, b)
		}
		f.taken(s, b)
		waitSent(t, f, d, "one token for the two frames that waited")
	})
	t.Run("pressed: the hand-out and half as long again", func(t *testing.T) {
		f, s, tokens := newStarted(t, time.Hour)
		publish(f, tokens)
		a := publish(f, tokens) // overlaps
		b := publish(f, tokens) // waits: the token it gets is pressed
		for range conns {
			f.taken(s, a)
		}
		waitSent(t, f, b, "the token of the frame that waited")
		const handOut = 20 * time.Millisecond
		sentAt := f.cur.Load().at.Add(-int64(handOut)) // as if given 20 ms ago
		for range conns {
			f.taken(s, b)
		}
		c := publish(f, tokens)
		if f.cur.Load().n != b {
			t.Fatalf("token %d given at once, %v after a pressed one that took %v to hand out", c, handOut, handOut)
		}
		waitSent(t, f, c, "the token of the frame that waited for the pace")
		want := time.Duration(handOutPace * float64(handOut))
		if gap := time.Duration(f.cur.Load().at.Load() - sentAt); gap < want {
			t.Fatalf("tokens %v apart, want at least %v", gap, want)
		}
	})
	t.Run("not pressed: no pause after the hand-out", func(t *testing.T) {
		f, s, tokens := newStarted(t, time.Hour)
		a := publish(f, tokens)
		f.cur.Load().at.Add(-int64(20 * time.Millisecond)) // as if given 20 ms ago
		for range conns {
			f.taken(s, a)
		}
		if b := publish(f, tokens); f.cur.Load().n != b {
			t.Fatalf("token %d waits after token %d, which was handed out and carried no frame that waited", b, a)
		}
	})
	t.Run("at most maxTokenFrames a token", func(t *testing.T) {
		f, _, tokens := newStarted(t, time.Hour)
		publish(f, tokens)
		b := publish(f, tokens) // overlaps
		for range maxTokenFrames - 1 {
			publish(f, tokens)
		}
		if f.cur.Load().n != b {
			t.Fatalf("token %d given with %d frames waiting", f.cur.Load().n, maxTokenFrames-1)
		}
		last := publish(f, tokens)
		if f.cur.Load().n != last {
			t.Fatalf("%d frames wait with no token, want one for them at once", maxTokenFrames)
		}
	})
	t.Run("the longest wait", func(t *testing.T) {
		f, _, tokens := newStarted(t, 50*time.Millisecond)
		publish(f, tokens)
		publish(f, tokens) // overlaps
		c := publish(f, tokens)
		waitSent(t, f, c, "the token of the frame that waited, after the longest wait")
	})
	t.Run("the connections that did not take it left", func(t *testing.T) {
		f, s, tokens := newStarted(t, time.Hour)
		before := f.cur.Load().n
		publish(f, tokens)
		publish(f, tokens) // overlaps
		c := publish(f, tokens)
		for range conns {
			f.ended(s, before)
		}
		waitSent(t, f, c, "the token of the frame that waited, once every connection left")
	})
}

// TestConcurrentPublishersReachEveryConnectionInOrder: frames published to
// a room by several goroutines at once reach every connection of the room
// once each, every publisher's in its order: a feed's tokens enter r3labs
// in the order of the feed, whether the room's connections are in one
// shard or each in its own.
func TestConcurrentPublishersReachEveryConnectionInOrder(t *testing.T) {
	for _, shardSize := range []int{shardConns, 1} {
		t.Run(fmt.Sprintf("shards of %d", shardSize), func(t *testing.T) {
			testConcurrentPublishers(t, shardSize)
		})
	}
}

func testConcurrentPublishers(t *testing.T, shardSize int) {
	const publishers, each = 4, 200
	n := startNode(t, "")
	n.srv.hub.mu.Lock()
	n.srv.hub.shardSize = shardSize
	n.srv.hub.mu.Unlock()
	streams := []*testclient.Stream{
		testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", ""),
		testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", ""),
		testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", ""),
	}
	n.srv.hub.mu.Lock()
	shards := len(*n.srv.hub.feeds["lobby"].shards.Load())
	n.srv.hub.mu.Unlock()
	if want := (len(streams) + shardSize - 1) / shardSize; shards != want {
		t.Fatalf("%d connections on %d shards, want %d", len(streams), shards, want)
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
