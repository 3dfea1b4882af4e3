package server

import (
	"strconv"
	"sync/atomic"
	"time"
)

// A feed's connections are spread over shards of at most shardConns, each
// an r3labs stream of its own, and a token is handed out one shard at a
// time (a sweep): to the first shard, then, once all but a sixteenth of
// its connections took it, to the next, and so on. r3labs wakes one
// goroutine per subscriber per token, all at once, and the Go scheduler
// runs them in the order they were woken: a token given to 10,000
// subscribers in one r3labs stream puts 10,000 goroutines ahead of every
// other (a POST /send's, the store's, a health check's) for as long as
// they take to run. A sweep does the same work with at most a shard's
// goroutines runnable at once, and lets the others in between shards.
//
// The sweep of a token that overlaps another one's can catch up with it:
// when it reaches the shard where the older one is being handed out, the
// older sweep ends there, as the newer token gives the rest of the shards
// its frames too (a token gives every frame up to it). Shards are visited
// in their order in the feed, which only grows while the feed lives, so a
// sweep never overtakes another without meeting it.
//
// A sweep moves on to the next shard through the hub's stepper, once the
// process has run what the network made ready meanwhile (stepper.go):
// without it, the next shard's goroutines would queue ahead of them.

// shardConns is how many connections a shard holds at most: a few hundred
// microseconds of the fan-out's work on one core. Measured at 100
// messages a second to 1,000 connections on one core, the POST /send
// acknowledgement p99 went from 14-18 ms (one r3labs stream) to 11-13 ms
// with 256, 6-11 with 128 and 7-10 with 64 or 32, the delivery latency
// and the server's CPU the same within the noise.
const shardConns = 64

// shard is one r3labs stream of a feed: what its connections count
// themselves in and out of, and where the token being handed out to them
// counts down.
type shard struct {
	id      string // its r3labs stream's
	slot    int    // its place in the feed's shards
	members int    // guarded by the hub's mu: connections placed on it and not left

	conns  atomic.Int64         // connections started on it and not ended
	active atomic.Pointer[step] // the latest token handed out to it
}

// step is a token's hand-out to one shard.
type step struct {
	h     *handOut
	s     *shard
	left  atomic.Int64 // connections yet to take it
	over  atomic.Bool  // the sweep went on, or ended here
	timer *time.Timer  // goes on after the feed's maxWait; set before the step is seen
}

// place puts a joining connection on the first shard with room, creating
// an r3labs stream for a shard that had none; the caller holds the hub's
// mu, which also guards leave.
func (f *feed) place() *shard {
	shards := *f.shards.Load()
	for _, s := range shards {
		if s.members < f.shardSize {
			if s.members == 0 {
				f.s.CreateStream(s.id)
			}
			s.members++
			return s
		}
	}
	s := &shard{id: f.id, slot: len(shards), members: 1}
	if s.slot > 0 {
		// Room names hold no '#', so no room's stream is named so.
		s.id += "#" + strconv.Itoa(s.slot)
	}
	f.s.CreateStream(s.id)
	grown := append(shards[:len(shards):len(shards)], s)
	f.shards.Store(&grown)
	return s
}

// leave takes a connection placed by place off its shard, removing the
// shard's r3labs stream once it has no connection; it reports whether the
// feed has none left. The caller holds the hub's mu, and r3labs has
// returned from the connection: removing a stream with live subscribers
// would leak their goroutines.
func (f *feed) leave(s *shard) (empty bool) {
	if s.members--; s.members == 0 {
		f.s.RemoveStream(s.id)
	}
	f.members--
	return f.members == 0
}

// advance hands token h out to the shards from slot from on: it gives it
// to the next one with connections and returns, to be called again when
// they took it (countDown) or after maxWait; past the last shard, the
// token is handed out (finish). A shard with no connection started is
// still given the token (one registering gets it) but not waited for.
func (f *feed) advance(h *handOut, from int) {
	shards := *f.shards.Load()
	for _, s := range shards[min(from, len(shards)):] {
		st := &step{h: h, s: s}
		n := s.conns.Load()
		st.left.Store(n)
		if n == 0 {
			st.over.Store(true)
		} else {
			next := s.slot + 1
			st.timer = time.AfterFunc(f.maxWait, func() {
				if !st.over.Swap(true) {
					f.advance(h, next)
				}
			})
		}
		if !s.install(st) {
			h.done.Store(true) // a later token's sweep is past this point
			return
		}
		f.s.Publish(s.id, h.ev)
		if n > 0 {
			return
		}
	}
	f.finish(h)
}

// install makes st its shard's active step unless a later token is
// already there, and ends the sweep of the step it replaces: the later
// token gives the rest of the shards its frames.
func (s *shard) install(st *step) bool {
	for {
		old := s.active.Load()
		if old != nil && old.h.n > st.h.n {
			st.end()
			return false
		}
		if s.active.CompareAndSwap(old, st) {
			if old != nil && old.end() {
				old.h.done.Store(true)
			}
			return true
		}
	}
}

// end stops the step's sweep here, reporting whether it was still going.
func (st *step) end() bool {
	if st.over.Swap(true) {
		return false
	}
	if st.timer != nil {
		st.timer.Stop()
	}
	return true
}

// countDown counts down a connection of st's shard for st's token. The
// one that leaves no more than a sixteenth of the shard's connections to
// take it moves the sweep on, from a goroutine of its own: this one is
// r3labs's, which must not wait for r3labs's stream.
func (f *feed) countDown(st *step) {
	if st.left.Add(-1) > st.s.conns.Load()/16 || !st.end() {
		return
	}
	if f.steps != nil {
		f.steps.add(f, st.h, st.s.slot+1)
		return
	}
	go f.advance(st.h, st.s.slot+1)
}

// started counts a connection in on its shard once r3labs has registered
// it: it gets every token given to the shard from then on.
func (f *feed) started(s *shard) { s.conns.Add(1) }

// taken counts down a connection of shard s that took token n, if that is
// the token being handed out to s.
func (f *feed) taken(s *shard, n uint64) {
	if st := s.active.Load(); st != nil && st.h.n == n {
		f.countDown(st)
	}
}

// ended counts out a started connection of shard s whose r3labs handler
// returned, which last took token took: if that is before the token being
// handed out to s, it will never take it. (A connection started after
// the token was given to its shard was not counted for it, and then
// counts it down once too often: the hand-out ends a little early, where
// the other way round it would wait for maxWait.)
func (f *feed) ended(s *shard, took uint64) {
	s.conns.Add(-1)
	if st := s.active.Load(); st != nil && took < st.h.n {
		f.countDown(st)
	}
}
