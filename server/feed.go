package server

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/r3labs/sse/v2"

	tt "tickertalk/app"
	"tickertalk/history"
)

// Each event is formatted once, for every connection: its frame (the
// bytes that go on the wire) is built before it is published, and r3labs
// carries only a token naming it, a comment `: #N` that its handler
// writes for each subscriber. The connection follows its stream's feed up
// to frame N and queues those same frames (conn.take), so r3labs's
// per-subscriber work is a few bytes whatever the events' size, and
// nothing is parsed per subscriber but the token.
//
// A feed is the list of the frames published to one stream of the hub, in
// the order of their tokens; the stream's connections are spread over
// several r3labs streams (shards), which all carry the same tokens. A
// connection holds its place in the list (the last frame it took); the
// garbage collector frees a frame once every connection of the stream has
// passed it, so a feed keeps no reference counts and no bound of its own:
// r3labs's channels bound how many tokens a connection can lag, and a
// token gives at most maxTokenFrames frames. (What a feed counts is its
// connections, to pace its tokens: see feed and shard.)

// frame is one event as it goes on the wire, shared by every connection
// it is published to; its bytes are never modified.
type frame struct {
	b   []byte
	seq uint64 // the message id (log position) of a durable event, or 0
}

// newFrame builds the frame of an event of kind k. It cannot forge SSE
// fields: the name is a declared kind's, data is one line of JSON
// (encoding/json escapes CR and LF). The id is kept only for a kind whose
// class carries ids (durable): the class, not the caller, decides what a
// browser resumes from.
func newFrame(k *tt.KindInfo, id string, data []byte) frame {
	f := frame{b: appendFrame(make([]byte, 0, len(id)+len(data)+len(k.Name)+len("id: \ndata: \nevent: \n\n")), k, id, data)}
	if id != "" && k.Class.HasID() {
		f.seq, _ = history.ParseID(id)
	}
	return f
}

// pingFrame is the heartbeat: a comment, which clients ignore.
var pingFrame = frame{b: []byte(": ping\n\n")}

// feedNode is one frame of a feed.
type feedNode struct {
	n    uint64 // the token: unique in the hub, increasing along a feed
	f    frame
	next atomic.Pointer[feedNode]
}

// feed is the frames of one stream of the hub (a room, a set of rooms, or
// the ticker's), whose connections are spread over shards, each an r3labs
// stream of its own (shard.go). Safe for concurrent use.
//
// A token names its frame and every frame before it: a connection takes
// all it has not taken up to the token (conn.take). r3labs wakes one
// goroutine per subscriber per token, so a token is handed out a shard at
// a time (a sweep, see shard.go), and a feed paces its tokens: after
// giving one, it gives the next only once the last one was handed out to
// every shard (or an overlapping later one took over its sweep; one token
// may overlap a hand-out, two in a row may not), and, if the last one
// carried frames that had waited (frames keep coming faster than they are
// handed out), once handOutPace times as long as that took has passed
// since it was given. The frames published meanwhile wait, and the next
// token carries them all, up to maxTokenFrames. A pressed feed then
// spends at most about two thirds of the time handing out its tokens:
// under a load the fan-out cannot keep up with, what a wake-up carries
// grows rather than the wake-ups, and the goroutines of everything else
// (a POST /send's, a health check's) wait behind fewer of them. A frame
// that follows the last one by more than its hand-out gets its token as
// it is published. No frame waits more than maxWait.
type feed struct {
	s  *sse.Server
	id string // the stream's, and its first shard's r3labs stream's

	// mu is held while a frame is linked and while a token is given to
	// the first shard, so that a sweep starts with the tokens in the order
	// of the list. Connections never take it.
	mu   sync.Mutex
	tail atomic.Pointer[feedNode]

	shards    atomic.Pointer[[]*shard] // in sweep order; replaced, never modified, under the hub's mu
	shardSize int                      // the most connections placed in one shard
	steps     *stepper                 // moves sweeps on; nil: at once
	members   int                      // guarded by the hub's mu: connections joined and not left

	cur     atomic.Pointer[handOut] // the last token given
	took    atomic.Int64            // how long the last token handed out took, in nanoseconds
	pending atomic.Bool             // frames after the last token wait for the next; set under mu
	waiting int                     // guarded by mu: how many frames wait
	pressed bool                    // guarded by mu: the last token carried frames that had waited
	overlap bool                    // guarded by mu: the last token was given while the one before was handed out
	timer   *time.Timer             // guarded by mu: calls flush
	maxWait time.Duration           // the longest a frame waits for its token, and a shard for a token's hand-out
}

// handOut is a token given to r3labs, being handed out shard after shard.
type handOut struct {
	n    uint64
	ev   *sse.Event   // the token as r3labs writes it, the same for every shard
	at   atomic.Int64 // when it was given, in Unix nanoseconds
	done atomic.Bool  // every shard was handed it, or a later token took over its sweep
}

// maxTokenFrames is the most frames one token gives: with r3labs's
// buffers (streamTokens a stream, 64 a subscriber), it bounds how far a
// publisher can run ahead of the fan-out before it waits.
const maxTokenFrames = 16

// handOutPace is how many times as long as handing out a token took a
// feed waits, from giving it, before giving the next one. Measured at 100
// messages a second to 1,000 connections on one core: 1.5 takes the CPU
// from 99 % (with 1: no pause after the hand-out) to 73 %, and the POST
// /send p99 from 33 to about 20 ms; 2 and 3 took the CPU lower but
// delayed messages at 20 a second.
const handOutPace = 1.5

// feedMaxWait is feed.maxWait: a frame waits at most that for its token,
// however slowly the last one is handed out (the fan-out of a storm, or
// connections that left before they took it).
const feedMaxWait = 100 * time.Millisecond

// newFeed makes the feed of stream id, starting after token n, with no
// shard yet (see place).
func newFeed(s *sse.Server, id string, n uint64) *feed {
	f := &feed{s: s, id: id, maxWait: feedMaxWait, shardSize: shardConns}
	f.tail.Store(&feedNode{n: n})
	f.shards.Store(new([]*shard))
	h := &handOut{n: n}
	h.done.Store(true)
	f.cur.Store(h)
	return f
}

// publish links fr to the feed under the next token of the hub's counter
// (so a feed's tokens increase, and no two feeds share one) and gives the
// token to r3labs, or has fr wait for the next token (see feed). It blocks
// while r3labs's buffer of the stream is full, as r3labs's Publish does.
func (f *feed) publish(tokens *atomic.Uint64, fr frame) {
	f.mu.Lock()
	defer f.mu.Unlock()
	node := f.link(tokens.Add(1), fr)
	if f.pending.Load() {
		if f.waiting++; f.waiting < maxTokenFrames {
			return // a flush is due, by the count-down or the timer
		}
		// As many as a token carries: it goes now, and a publisher
		// that outruns the fan-out waits for r3labs's buffer, as it
		// would without pacing.
		f.send(node.n, true)
		return
	}
	if f.untilNext() > 0 {
		f.pending.Store(true)
		f.waiting = 1
		// Looked at again once pending is set: a count-down in between
		// saw no frame waiting, and started no flush.
		if wait := f.untilNext(); wait > 0 {
			f.armTimer(wait)
			return
		}
	}
	f.send(node.n, false)
}

// untilNext is how long the next token must still wait (0: it may go),
// the caller holding f.mu. While the last one is being handed out, that
// is until maxWait (the count-down flushes sooner), unless the last one
// neither overlapped the hand-out of the one before nor carried frames
// that had waited: a message that follows a ticker update closely goes
// at once, as it would without pacing. After the hand-out, only a feed
// pressed by its frames waits for its pace.
func (f *feed) untilNext() time.Duration {
	h := f.cur.Load()
	since := time.Duration(time.Now().UnixNano() - h.at.Load())
	if !h.done.Load() {
		if !f.overlap && !f.pressed {
			return 0 // one token may overlap the last one's hand-out
		}
		return max(f.maxWait-since, 0)
	}
	if !f.pressed {
		return 0
	}
	return max(min(time.Duration(handOutPace*float64(f.took.Load())), f.maxWait)-since, 0)
}

// armTimer has flush called in d; the caller holds f.mu.
func (f *feed) armTimer(d time.Duration) {
	if f.timer == nil {
		f.timer = time.AfterFunc(d, f.flush)
	} else {
		f.timer.Reset(d)
	}
}

// send gives token n, the tail's, to the first shard, pressed if frames
// waited for it; the caller holds f.mu.
func (f *feed) send(n uint64, pressed bool) {
	f.pressed, f.overlap = pressed, !f.cur.Load().done.Load()
	h := &handOut{n: n, ev: &sse.Event{Comment: appendToken(make([]byte, 0, 21), n)}}
	h.at.Store(time.Now().UnixNano())
	f.cur.Store(h)
	f.pending.Store(false)
	f.waiting = 0
	f.advance(h, 0)
}

// flush gives the frames waiting their token, now or, if it is too soon,
// when it is time.
func (f *feed) flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.pending.Load() {
		return
	}
	if wait := f.untilNext(); wait > 0 {
		f.armTimer(wait)
		return
	}
	f.send(f.tail.Load().n, true)
}

// finish records that token h was handed out to every shard and, if
// frames wait, has them flushed from a goroutine of its own: the caller
// may hold f.mu, or be r3labs's, which must not wait for r3labs's stream.
func (f *feed) finish(h *handOut) {
	if h.done.Swap(true) {
		return
	}
	if f.cur.Load() == h {
		f.took.Store(time.Now().UnixNano() - h.at.Load())
	}
	if f.pending.Load() {
		go f.flush()
	}
}

// link appends fr to the feed under token n, which must be above the
// tail's, and returns its node; the caller holds f.mu.
func (f *feed) link(n uint64, fr frame) *feedNode {
	node := &feedNode{n: n, f: fr}
	f.tail.Load().next.Store(node)
	f.tail.Store(node)
	return node
}

// tokenPrefix starts the comment r3labs writes for a token, `: #N\n`; the
// heartbeat's comment and r3labs's own output never start so.
const tokenPrefix = ": #"

func appendToken(b []byte, n uint64) []byte {
	return strconv.AppendUint(append(b, '#'), n, 10)
}

// parseToken reads the token of the line r3labs wrote for it.
func parseToken(p []byte) (uint64, bool) {
	if len(p) < len(tokenPrefix)+2 || string(p[:len(tokenPrefix)]) != tokenPrefix || p[len(p)-1] != '\n' {
		return 0, false
	}
	var n uint64
	for _, d := range p[len(tokenPrefix) : len(p)-1] {
		if d < '0' || d > '9' || n > (1<<64-1-uint64(d-'0'))/10 {
			return 0, false
		}
		n = n*10 + uint64(d-'0')
	}
	return n, true
}

// following calls yield with each node after at, the last node a
// connection took (or the tail when it joined), up to token n: the frames
// a token gives. A token at or before at is from before the connection
// joined, and gives nothing; one of another feed (a stream removed and
// created again while it was published) gives at most frames of this one
// that a later token would have given.
func following(at *feedNode, n uint64, yield func(*feedNode)) {
	if at == nil || n <= at.n {
		return
	}
	for node := at.next.Load(); node != nil && node.n <= n; node = node.next.Load() {
		yield(node)
	}
}
