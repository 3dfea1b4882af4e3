package server

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/r3labs/sse/v2"

	"tickertalk/internal/wait"
)

// shardedFeed makes a feed of shards of size connections, with conns
// connections placed and started, and r3labs streams torn down with the
// test.
func shardedFeed(t *testing.T, size, conns int, maxWait time.Duration) (*feed, []*shard, *atomic.Uint64) {
	t.Helper()
	srv := sse.New()
	t.Cleanup(srv.Close)
	var tokens atomic.Uint64
	f := newFeed(srv, "room", tokens.Add(1))
	f.shardSize, f.maxWait = size, maxWait
	for range conns {
		f.members++
		f.started(f.place())
	}
	return f, *f.shards.Load(), &tokens
}

// activeToken is the token being handed out to s (0: none yet).
func activeToken(s *shard) uint64 {
	if st := s.active.Load(); st != nil {
		return st.h.n
	}
	return 0
}

func TestPlaceFillsShardsInOrder(t *testing.T) {
	f, shards, _ := shardedFeed(t, 2, 5, time.Hour)
	var ids []string
	for _, s := range shards {
		ids = append(ids, s.id)
		if !f.s.StreamExists(s.id) {
			t.Errorf("shard %s has no r3labs stream", s.id)
		}
	}
	if len(shards) != 3 || ids[0] != "room" || ids[1] != "room#1" || ids[2] != "room#2" {
		t.Fatalf("5 connections in shards of 2: %q, want room, room#1, room#2", ids)
	}
	if shards[2].members != 1 {
		t.Fatalf("the last shard holds %d, want 1", shards[2].members)
	}

	// A shard left by all its connections loses its r3labs stream, and
	// the next connection goes to the first shard with room.
	for range 2 {
		if f.leave(shards[1]) {
			t.Fatal("the feed reported empty with connections left")
		}
	}
	if f.s.StreamExists("room#1") {
		t.Fatal("an empty shard kept its r3labs stream")
	}
	f.members++
	if s := f.place(); s != shards[1] || !f.s.StreamExists("room#1") {
		t.Fatalf("a new connection went to %s, want room#1 created again", s.id)
	}
	for _, s := range []*shard{shards[0], shards[0], shards[1], shards[2]} {
		if empty := f.leave(s); empty != (s == shards[2]) {
			t.Fatalf("leave of %s reported empty = %v", s.id, empty)
		}
	}
}

// TestSweepHandsATokenOutShardByShard: a token goes to the next shard
// only once all but a sixteenth of the last one's connections took it,
// and is handed out once the last shard's did.
func TestSweepHandsATokenOutShardByShard(t *testing.T) {
	t.Run("moved on at once", func(t *testing.T) { testSweep(t, false) })
	t.Run("moved on by a stepper", func(t *testing.T) { testSweep(t, true) })
}

func testSweep(t *testing.T, stepped bool) {
	const size = 32
	f, shards, tokens := shardedFeed(t, size, 3*size, time.Hour)
	if stepped {
		st, err := newStepper()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.close)
		f.steps = st
	}
	f.publish(tokens, frame{b: []byte(": x\n\n")})
	n := f.tail.Load().n
	for i, s := range shards {
		wait.For(t, 10*time.Second, "the token given to the next shard", func() bool { return activeToken(s) == n })
		for _, later := range shards[i+1:] {
			if activeToken(later) != 0 {
				t.Fatalf("shard %s has the token before %s handed it out", later.id, s.id)
			}
		}
		for range size - size/16 - 1 {
			f.taken(s, n)
		}
		if i+1 < len(shards) && activeToken(shards[i+1]) != 0 {
			t.Fatalf("shard %s has the token with %d of %s's connections yet to take it", shards[i+1].id, size/16+1, s.id)
		}
		if f.cur.Load().done.Load() {
			t.Fatalf("token handed out with %s's sweep under way", s.id)
		}
		f.taken(s, n)
	}
	wait.For(t, 10*time.Second, "the token handed out", func() bool { return f.cur.Load().done.Load() })
}

// TestSweepGoesOnAfterTheLongestWait: a shard whose connections do not
// take the token holds the others back for maxWait at most.
func TestSweepGoesOnAfterTheLongestWait(t *testing.T) {
	f, shards, tokens := shardedFeed(t, 4, 12, 20*time.Millisecond)
	f.publish(tokens, frame{b: []byte(": x\n\n")})
	n := f.tail.Load().n
	wait.For(t, 10*time.Second, "every shard given the token", func() bool { return activeToken(shards[2]) == n })
	wait.For(t, 10*time.Second, "the token handed out", func() bool { return f.cur.Load().done.Load() })
}

// TestSweepCaughtUpEnds: the sweep of a later token that reaches the shard
// where an earlier one is handed out ends the earlier one's: the later
// token gives the rest of the shards its frames too.
func TestSweepCaughtUpEnds(t *testing.T) {
	const size = 4
	f, shards, tokens := shardedFeed(t, size, 3*size, time.Hour)
	f.publish(tokens, frame{b: []byte(": a\n\n")})
	a := f.cur.Load()
	for range size {
		f.taken(shards[0], a.n)
	}
	wait.For(t, 10*time.Second, "a at the second shard", func() bool { return activeToken(shards[1]) == a.n })

	f.publish(tokens, frame{b: []byte(": b\n\n")}) // overlaps a's hand-out
	b := f.cur.Load()
	if b == a || activeToken(shards[0]) != b.n {
		t.Fatal("the overlapping token did not start its sweep at once")
	}
	for range size {
		f.taken(shards[0], b.n)
	}
	wait.For(t, 10*time.Second, "b at the second shard", func() bool { return activeToken(shards[1]) == b.n })
	if !a.done.Load() {
		t.Fatal("a's sweep goes on after b's caught up with it")
	}
	for range size {
		f.taken(shards[1], a.n) // late: counts for nothing
	}
	if activeToken(shards[2]) == a.n {
		t.Fatal("a's sweep went on after b's caught up with it")
	}
	for _, s := range shards[1:] {
		wait.For(t, 10*time.Second, "b at the next shard", func() bool { return activeToken(s) == b.n })
		for range size {
			f.taken(s, b.n)
		}
	}
	wait.For(t, 10*time.Second, "b handed out", func() bool { return b.done.Load() })
}

// TestSweepSkipsShardsWithNoConnection: a shard whose connections have not
// started, or all ended, is given the token without being waited for.
func TestSweepSkipsShardsWithNoConnection(t *testing.T) {
	f, shards, tokens := shardedFeed(t, 2, 6, time.Hour)
	for range 2 {
		f.ended(shards[0], 0)
		f.ended(shards[1], 0)
	}
	f.publish(tokens, frame{b: []byte(": x\n\n")})
	n := f.tail.Load().n
	if activeToken(shards[0]) != n || activeToken(shards[1]) != n || activeToken(shards[2]) != n {
		t.Fatal("the token did not go past the shards with no connection at once")
	}
	f.taken(shards[2], n)
	f.taken(shards[2], n)
	wait.For(t, 10*time.Second, "the token handed out", func() bool { return f.cur.Load().done.Load() })
}

// TestStepperGoesOnWithoutThePoller: a step the network poller does not
// take (here, a stepper with no pipe) is taken after maxDelay.
func TestStepperGoesOnWithoutThePoller(t *testing.T) {
	const size = 4
	f, shards, tokens := shardedFeed(t, size, 2*size, time.Hour)
	st := &stepper{maxDelay: 5 * time.Millisecond}
	st.timer = time.AfterFunc(time.Hour, st.take)
	st.timer.Stop()
	f.steps = st
	f.publish(tokens, frame{b: []byte(": x\n\n")})
	n := f.tail.Load().n
	for range size {
		f.taken(shards[0], n)
	}
	wait.For(t, 10*time.Second, "the token at the second shard", func() bool { return activeToken(shards[1]) == n })
}
