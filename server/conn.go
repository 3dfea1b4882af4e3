package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tickertalk/history"
)

// conn is one SSE connection. It stands between r3labs/sse and the socket:
// r3labs writes each event as several Writes and one Flush into conn, which
// never blocks it. What the hub publishes reaches r3labs as a token, and
// conn copies the token's frame, built once for every connection, from its
// stream's feed (feed.go); any other event conn frames itself, dropping what
// must not reach the browser. Either goes to a bounded queue. What the
// socket takes at once is written from r3labs's goroutine, without waiting
// (dispatch); otherwise a writer goroutine owns the socket while the queue
// holds anything and drains it under a write deadline. A client that stops
// reading therefore never slows r3labs's fan-out: its queue fills and it
// is evicted, and the browser resumes from its Last-Event-ID.
//
// A resume is replayed by the writer too, a page at a time, as the socket
// takes it (replay.go): the replay holds about one queue's worth whatever
// its length, and live events meanwhile wait in no queue.
//
// The writer exists only while there is something to write: an idle
// connection (most of them, most of the time) costs no goroutine and no
// buffer beyond r3labs's own: an event's buffer goes from r3labs's side to
// the queue, and once written back to a pool shared by every connection.
type conn struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	nb     nonblockingWriter // w's socket written without waiting, or nil
	cancel context.CancelFunc
	cfg    *connConfig

	// What the connection was opened with: for cfg.hooks and closeStream.
	room, nick string
	remote     string
	res        resume
	stop       func() bool // unregisters a cancellation, or nil

	// Owned by r3labs's handler goroutine.
	cur    []byte
	stream *feed     // the stream's feed, set before r3labs serves
	shard  *shard    // the connection's shard of it, set with stream
	feed   *feedNode // the last frame taken from it
	took   uint64    // the last token taken
	status int32

	started bool // owned by r3labs's handler goroutine
	token   bool // owned by r3labs's handler goroutine: the event is a token, taken

	// The ticker snapshot goes out with the first batch, at snapAt in the
	// initial frames (with a replay, the first batch after it), written
	// from the slice every connection shares: a copy per connection was
	// the biggest allocation of a connect (the sparklines), garbage a
	// moment later. Set before the writer starts, then the writer's; the
	// slice is never modified.
	snapAt int32
	// Where the queue holds a live `update` and a `presence` event not yet
	// written, as offset+1 (0: none), guarded by mu: a newer one of the
	// same kind replaces it (see conflate).
	updateAt, presenceAt int32
	snap                 []byte

	frames int32 // guarded by mu: the frames queued since the last batch

	// Owned by the writer of the moment (the writer goroutine, or
	// dispatch under mu while none writes), as monotonic nanoseconds since
	// cfg.epoch: when it last wrote (see coalesce), and when it last set
	// the write deadline, which it moves only every half timeout.
	wroteAt, deadlineAt int64

	// wake, guarded by mu, is set while a writer lingers (see linger):
	// a send wakes it.
	wake chan struct{}

	writing    bool // guarded by mu: a writer goroutine runs; w is its alone, but for dispatch while it lingers
	direct     bool // guarded by mu: past its first batch, what is queued may be written by enqueue (see dispatch)
	gathering  bool // owned by r3labs's handler goroutine: enqueue only queues (see take)
	evicted    bool // guarded by mu: too slow, counted once
	closed     bool // guarded by mu: nothing more is written (evicted, failed or ended)
	headerSent bool // touched only by the writer of the moment

	lastID uint64  // guarded by mu: the last message id queued or replayed
	rep    *replay // guarded by mu: the resume being replayed, or nil

	mu      sync.Mutex
	queue   []byte
	writers sync.WaitGroup // the handler waits for the last writer
}

// writeCoalesce is connConfig.coalesce: at 2 ms, a connection gets at most
// 500 writes a second, and an event waits at most 2 ms for the one before.
// writeLinger is connConfig.linger: a connection with more than 50 events
// a second keeps its writer; one with the ticker alone does not.
const (
	writeCoalesce = 2 * time.Millisecond
	writeLinger   = 20 * time.Millisecond
)

// connConfig is what every connection of a server shares: one per server
// rather than copies (and closures) in each of thousands of conns.
type connConfig struct {
	timeout time.Duration
	// coalesce is the least time between two writes of live events to
	// one connection: a writer that wrote less than that ago waits, so
	// that a burst leaves in one write (and one syscall) instead of one
	// per event. It delays an event by at most that, and only one that
	// follows another closely.
	coalesce time.Duration
	epoch    time.Time // the origin of the conns' wroteAt and deadlineAt
	// linger is how long a busy connection's writer (one that wrote less
	// than that before it started) waits for more once it has written
	// everything, before it ends: a writer started afresh for every
	// event starts with a small stack that its first write grows again.
	linger   time.Duration
	maxQueue int
	pageSize int // messages read from history at once by a replay
	bufs     *buffers
	// delivered counts events queued to a connection; replayed, the
	// messages a replay wrote.
	delivered, replayed prometheus.Counter
	// batchFrames observes the frames of live events each write carries.
	batchFrames prometheus.Observer
	hooks       connHooks
	replays     replaySource
}

// clock is now in the monotonic nanoseconds of the conns' wroteAt and
// deadlineAt; never 0. Without an epoch, it is the wall clock.
func (cfg *connConfig) clock(now time.Time) int64 {
	if cfg.epoch.IsZero() {
		return now.UnixNano()
	}
	return int64(now.Sub(cfg.epoch)) + 1
}

// connHooks is what a conn asks of the server that opened it.
type connHooks interface {
	// startFrames runs at r3labs's first Flush, once the subscriber is
	// registered, and returns the frames that go before any live event
	// (preamble, resync, snapshots) and whether a replay follows them.
	startFrames(c *conn) firstFrames
	// evicted reports a client evicted as too slow.
	evicted(c *conn)
	// replayFailed reports a replay ended because history could not be
	// read; the conn then ends, and the client resumes.
	replayFailed(c *conn, err error)
}

// firstFrames is what a connection sends before any live event: buf, its
// own frames (a pooled buffer), with snap, a frame shared by every
// connection and never modified, inserted at snapAt. With replay set,
// the writer replays the messages after the id last once buf is written,
// and then writes snap and tail (a pooled buffer, or nil) instead.
type firstFrames struct {
	buf    []byte
	snapAt int
	snap   []byte
	last   uint64
	replay bool
	tail   []byte
}

func newConn(w http.ResponseWriter, cancel context.CancelFunc, cfg *connConfig) *conn {
	c := &conn{
		w:      w,
		rc:     http.NewResponseController(w),
		cancel: cancel,
		cfg:    cfg,
	}
	if nb, ok := w.(nonblockingWriter); ok && nb.canWriteNow() {
		c.nb = nb
	}
	return c
}

// nonblockingWriter is a ResponseWriter whose socket can be written
// without waiting: a stream taken over from net/http (rawResponse).
type nonblockingWriter interface {
	// canWriteNow reports whether writeNow can be used.
	canWriteNow() bool
	// writeNow writes as much of p as the socket takes at once, and
	// returns how much; syscall.EAGAIN when it took nothing.
	writeNow(p []byte) (int, error)
}

// Header returns the real header map: r3labs sets the stream headers on it
// before its first Flush, and the writer sends them after.
func (c *conn) Header() http.Header { return c.w.Header() }

// WriteHeader records the status r3labs sets, which tells a refusal
// (refused) from a stream; a stream's head goes with its first batch, 200.
func (c *conn) WriteHeader(status int) { c.status = int32(status) }

// Write takes one part of an event from r3labs: a token's line queues its
// frame from the feed (take) and the rest of that event is dropped; any
// other event is gathered in cur until Flush ends it.
func (c *conn) Write(p []byte) (int, error) {
	if c.started {
		// r3labs writes a token as `: #N\n`, then `\n`, then flushes.
		if c.token {
			return len(p), nil
		}
		if n, ok := parseToken(p); ok && c.cur == nil {
			c.token = true
			c.take(n)
			return len(p), nil
		}
	}
	if c.cur == nil {
		c.cur = c.cfg.bufs.get()
	}
	c.cur = append(c.cur, p...)
	return len(p), nil
}

// Flush ends one event written by r3labs.
func (c *conn) Flush() {
	if c.token {
		c.token = false
		return
	}
	if !c.started {
		c.started = true
		if c.stream != nil {
			c.stream.started(c.shard)
		}
		f := c.cfg.hooks.startFrames(c)
		// The queue is empty and no writer runs until this first Flush,
		// so f.buf starts the queue and snapAt holds for the writer's
		// first batch.
		c.snap, c.snapAt = f.snap, int32(f.snapAt)
		if f.replay { // lastID is the replay's to set, when it ends
			c.rep = &replay{after: f.last, tail: f.tail}
		} else {
			c.lastID = f.last
		}
		if !c.enqueue(f.buf, 0, true, false) {
			c.cfg.bufs.put(f.buf)
		}
		c.cfg.bufs.put(c.cur)
		c.cur = nil
		return
	}
	if frame, seq, keep := c.frame(c.cur); keep {
		if c.enqueue(frame, seq, false, false) {
			c.cur = nil // the queue owns it now
			return
		}
	}
	c.cfg.bufs.put(c.cur)
	c.cur = nil
}

// take queues the frames of token n from the stream's feed: the frames
// shared by every connection, copied into the queue, of every token after
// the last one taken up to n (a token gives every frame before it).
func (c *conn) take(n uint64) {
	// The frames go in one batch: queued, then written together.
	c.gathering = true
	following(c.feed, n, func(node *feedNode) {
		c.feed = node
		c.enqueue(node.f.b, node.f.seq, false, true)
	})
	c.gathering = false
	c.took = max(c.took, n)
	c.mu.Lock()
	start := !c.closed && c.dispatch()
	c.mu.Unlock()
	if start {
		go c.write()
	}
	if c.stream != nil {
		c.stream.taken(c.shard, n)
	}
}

var idPrefix = []byte("id: ")

// frame fixes one event as r3labs wrote it, and returns its log id (0 for
// events that have none). r3labs writes an `id:` line for every event with
// data, empty when the event has no id; an empty id line would reset the
// browser's last event id, so it goes. Only events of a durable kind are
// built with an id (see event), so an id here is a log position; one that
// is not a decimal sequence goes too, as a resume could not use it.
func (c *conn) frame(ev []byte) ([]byte, uint64, bool) {
	if !bytes.HasPrefix(ev, idPrefix) {
		return ev, 0, true
	}
	nl := bytes.IndexByte(ev, '\n')
	if nl < 0 {
		return nil, 0, false
	}
	id := ev[len(idPrefix):nl]
	if len(id) == 0 {
		return ev[nl+1:], 0, true
	}
	seq, ok := history.ParseID(string(id)) // no allocation: the string does not escape
	if !ok {
		return ev[nl+1:], 0, true
	}
	return ev, seq, true
}

// enqueue adds p, an event with message id seq (0: not a message), to the
// queue and sees it written (dispatch). Initial frames may exceed the
// bound; live ones evict the connection when it is full. A message at or
// below the last id queued or replayed goes, and while a replay runs live
// events are held instead (see hold). An event queued is counted as
// delivered. When the queue is empty, p itself becomes the queue, without
// a copy, and owned is true: p is then the queue's, not the caller's. A
// shared p (a feed's frame) is only ever copied, and never owned.
func (c *conn) enqueue(p []byte, seq uint64, initial, shared bool) (owned bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	if c.rep != nil && !initial {
		copied := shared && seq == 0 // hold may keep p: then a copy of it
		if copied {
			p = append(c.cfg.bufs.get(), p...)
		}
		kept, old := c.hold(p, seq)
		c.mu.Unlock()
		c.cfg.bufs.put(old)
		if copied && !kept {
			c.cfg.bufs.put(p)
		}
		return kept && !shared
	}
	if seq != 0 {
		if seq <= c.lastID { // replayed already
			c.mu.Unlock()
			return false
		}
		c.lastID = seq
	}
	var slot *int32
	if seq == 0 && !initial {
		slot = c.conflate(p)
	}
	if !initial && len(c.queue)+len(p) > c.cfg.maxQueue {
		c.evicted, c.closed = true, true
		c.wakeWriter()
		c.dropQueue()
		c.mu.Unlock()
		c.evict()
		return false
	}
	if slot != nil {
		*slot = int32(len(c.queue)) + 1
	}
	c.frames++
	if len(c.queue) == 0 && !shared {
		c.cfg.bufs.put(c.queue) // an empty buffer the writer left for reuse
		c.queue, owned = p, true
	} else {
		if cap(c.queue) == 0 {
			c.queue = c.cfg.bufs.get()
		}
		c.queue = append(c.queue, p...)
	}
	start := !c.gathering && c.dispatch()
	c.mu.Unlock()
	if start {
		go c.write()
	}
	c.cfg.delivered.Inc()
	return owned
}

// dispatch sees that what is queued gets written, and reports whether the
// caller is to start a writer goroutine (it is counted in c.writers).
// A connection past its first batch that no writer is writing (none runs,
// or it lingers) and that was not written to within cfg.coalesce is
// written to at once, from this goroutine, as much as its socket takes
// without waiting: most events then cost no goroutine switch at all. What
// the socket does not take, and events that come closer together, go to
// the writer. The caller holds c.mu.
func (c *conn) dispatch() (start bool) {
	if len(c.queue) == 0 {
		return false
	}
	if c.direct && (!c.writing || c.wake != nil) {
		now := c.cfg.clock(time.Now())
		if !c.wroteRecently(now) && c.writeQueueNow(now) {
			return false
		}
	}
	if c.writing {
		c.wakeWriter()
		return false
	}
	c.writing = true
	c.writers.Add(1)
	return true
}

// wroteRecently reports whether the last write was within cfg.coalesce
// of now (in cfg.clock's terms); the caller holds c.mu, and no writer is
// writing.
func (c *conn) wroteRecently(now int64) bool {
	return c.wroteAt != 0 && time.Duration(now-c.wroteAt) < c.cfg.coalesce
}

// writeQueueNow writes the queue to the socket as far as it takes it
// without waiting, keeps the rest queued, and reports whether it wrote it
// all. An error other than a full socket is left for the writer to meet
// (and end the connection with). now is the time of the write, in
// cfg.clock's terms. The caller holds c.mu.
func (c *conn) writeQueueNow(now int64) bool {
	q := c.queue
	n, err := c.nb.writeNow(q)
	if n > 0 {
		c.wroteAt = now
	}
	if err == nil && n == len(q) {
		if c.cfg.batchFrames != nil {
			c.cfg.batchFrames.Observe(float64(c.frames))
		}
		c.cfg.bufs.put(q)
		c.queue = nil
		c.updateAt, c.presenceAt, c.frames = 0, 0, 0
		return true
	}
	if n > 0 {
		// The rest moves to the front of a buffer of its own; a state
		// event cut by the write cannot be replaced any more.
		c.queue = append(c.cfg.bufs.get(), q[n:]...)
		c.cfg.bufs.put(q)
		for _, at := range []*int32{&c.updateAt, &c.presenceAt} {
			if int(*at)-1 < n {
				*at = 0
			} else if *at != 0 {
				*at -= int32(n)
			}
		}
	}
	return false
}

// wakeWriter wakes a lingering writer; the caller holds c.mu.
func (c *conn) wakeWriter() {
	if c.wake != nil {
		select {
		case c.wake <- struct{}{}:
		default: // woken already
		}
	}
}

// waker is what a lingering writer waits on: made once per writer, on
// its first linger.
type waker struct {
	ch chan struct{}
	t  *time.Timer
}

// linger waits up to cfg.linger for something more to write, or for the
// conn to close, and reports whether it was woken. The caller holds c.mu,
// as it does when linger returns.
func (c *conn) linger(w *waker) bool {
	if w.ch == nil {
		w.ch, w.t = make(chan struct{}, 1), time.NewTimer(c.cfg.linger)
	} else {
		w.t.Reset(c.cfg.linger)
	}
	c.wake = w.ch
	c.mu.Unlock()
	woken := false
	select {
	case <-w.ch:
		woken = true
	case <-w.t.C:
	}
	c.mu.Lock()
	c.wake = nil
	select {
	case <-w.ch: // sent after the timer fired
		woken = true
	default:
	}
	w.t.Stop()
	return woken
}

// conflate makes room for p if it is a state event (an `update` or a
// `presence`: each replaces the last of its kind, where a message adds to
// the ones before): an event of the same kind still in the queue, not yet
// written, is taken out of it, and the queue's bound counts only the
// newer one. It returns where to record p's offset, or nil when p is no
// state event. Messages and comments are never touched. The caller holds
// c.mu.
func (c *conn) conflate(p []byte) *int32 {
	var slot, other *int32
	switch {
	case bytes.HasSuffix(p, []byte(updateFrameEnd)):
		slot, other = &c.updateAt, &c.presenceAt
	case bytes.HasSuffix(p, []byte(presenceFrameEnd)) && !strings.Contains(c.room, roomSep):
		// A stream of several rooms has a presence per room, in no
		// fixed order: each is kept, as a message is.
		slot, other = &c.presenceAt, &c.updateAt
	default:
		return nil
	}
	if *slot == 0 {
		return slot
	}
	at := int(*slot - 1)
	*slot = 0
	// A frame ends at its first blank line: its data is one line of JSON.
	end := bytes.Index(c.queue[at:], []byte("\n\n"))
	if end < 0 { // not the frame recorded: leave the queue as it is
		return slot
	}
	end += at + 2
	n := end - at
	c.queue = append(c.queue[:at], c.queue[end:]...)
	c.frames--
	if int(*other-1) > at {
		*other -= int32(n)
	}
	return slot
}

// dropQueue forgets what is queued; the caller holds c.mu.
func (c *conn) dropQueue() {
	c.queue = nil
	c.updateAt, c.presenceAt, c.frames = 0, 0, 0
}

// evict ends the connection of a client that does not keep up. Setting the
// write deadline to now unblocks a writer stuck on the socket, so the
// connection's resources go at once rather than after the timeout.
func (c *conn) evict() {
	c.cfg.hooks.evicted(c)
	_ = c.rc.SetWriteDeadline(time.Now())
	c.cancel()
}

// write drains the queue to the socket, and replays a resume whenever the
// queue is empty, and returns when both are done or a write failed. The
// headers go with the first batch, so the client sees `:ok` with them.
func (c *conn) write() {
	defer c.writers.Done()
	var spare []byte
	var w waker
	busy := c.cfg.linger > 0 && c.wroteAt != 0 && time.Duration(c.cfg.clock(time.Now())-c.wroteAt) < c.cfg.linger
	for {
		c.mu.Lock()
		if c.closed || (len(c.queue) == 0 && c.rep == nil) {
			if c.closed || !busy {
				c.stopWriting(spare)
				return
			}
			busy = c.linger(&w)
			c.mu.Unlock()
			continue
		}
		var buf []byte
		snap := false // the batch may carry the ticker snapshot
		if len(c.queue) > 0 {
			if c.waitToCoalesce() {
				continue // c.mu was released: look again
			}
			snap = c.rep == nil
			// Double buffering: r3labs appends to one buffer while this
			// goroutine writes the other.
			buf = c.queue
			c.queue, spare = spare[:0], nil
			c.updateAt, c.presenceAt = 0, 0
			if c.cfg.batchFrames != nil {
				c.cfg.batchFrames.Observe(float64(c.frames))
			}
			c.frames = 0
		} else {
			// The next batch of the replay, read without the lock: r3labs
			// never waits for history.
			r, live := c.rep, c.rep.live
			c.mu.Unlock()
			var step replayStep
			var err error
			buf, step, err = c.replayBatch(r, spare[:0], live)
			spare = nil
			if err != nil {
				c.replayFailed(err)
				return
			}
			c.mu.Lock()
			c.endReplay(r, step)
			if c.closed || len(buf) == 0 {
				spare = buf
				c.mu.Unlock()
				continue
			}
		}
		// The deadline is set under the lock: close and evict mark the
		// conn closed under it before forcing the deadline to now, so
		// theirs always comes last and a blocked write ends at once.
		began := time.Now()
		c.moveDeadline(began)
		c.mu.Unlock()

		err := c.writeBatch(buf, snap)
		if err == nil {
			err = c.rc.Flush()
		}
		if err != nil {
			c.failed(err, time.Since(began))
			return
		}
		c.wroteAt = c.cfg.clock(began)
		spare = buf
	}
}

// waitToCoalesce waits until cfg.coalesce has passed since the last write,
// and reports whether it waited. The caller holds c.mu, which it releases
// to wait (and then does not take again).
func (c *conn) waitToCoalesce() bool {
	if c.wroteAt == 0 || c.cfg.coalesce <= 0 {
		return false
	}
	wait := time.Duration(c.wroteAt-c.cfg.clock(time.Now())) + c.cfg.coalesce
	if wait <= 0 {
		return false
	}
	c.mu.Unlock()
	time.Sleep(wait)
	c.wroteAt = 0 // waited: the batch goes now, whatever came meanwhile
	return true
}

// moveDeadline sets the write deadline for a write starting at now, to
// between one and one and a half timeouts ahead: setting it takes the
// poller's lock, so it moves only when half a timeout has passed since it
// was last set. A write blocked by a reader too slow therefore fails after
// at least the timeout, and at most one and a half. The caller holds c.mu.
func (c *conn) moveDeadline(now time.Time) {
	at := c.cfg.clock(now)
	if c.deadlineAt != 0 && time.Duration(at-c.deadlineAt) < c.cfg.timeout/2 {
		return
	}
	c.deadlineAt = at
	_ = c.rc.SetWriteDeadline(now.Add(c.cfg.timeout + c.cfg.timeout/2))
}

// stopWriting ends the writer; the caller holds c.mu, which it releases.
// Once the head, the snapshot and any replay are written, what comes next
// may be written by enqueue (see dispatch).
func (c *conn) stopWriting(spare []byte) {
	c.writing = false
	c.direct = c.nb != nil && c.headerSent && c.snap == nil && c.rep == nil
	if len(c.queue) == 0 {
		c.cfg.bufs.put(c.queue) // an idle connection keeps no buffer
		c.queue = nil
	}
	c.mu.Unlock()
	c.cfg.bufs.put(spare)
}

// replayFailed ends the connection when its replay cannot read history:
// the client resumes from what it got.
func (c *conn) replayFailed(err error) {
	c.mu.Lock()
	c.closed = true
	c.dropQueue()
	c.rep = nil
	c.writing = false
	c.mu.Unlock()
	c.cfg.hooks.replayFailed(c, err)
	c.cancel()
}

// writeBatch writes one batch; the first one goes after the headers, and
// the first one allowed to (snap) carries the shared snapshot.
func (c *conn) writeBatch(buf []byte, snap bool) error {
	if !c.headerSent {
		c.headerSent = true
		c.w.WriteHeader(http.StatusOK)
	}
	if snap && c.snap != nil {
		at := min(int(c.snapAt), len(buf))
		if _, err := c.w.Write(buf[:at]); err != nil {
			return err
		}
		if _, err := c.w.Write(c.snap); err != nil {
			return err
		}
		buf, c.snap = buf[at:], nil
	}
	_, err := c.w.Write(buf)
	return err
}

// failed ends the connection after a write error. A write that ran into
// its full deadline means a reader too slow; a deadline that close or evict
// forced to now cuts the write short and is not counted again.
func (c *conn) failed(err error, took time.Duration) {
	slow := errors.Is(err, os.ErrDeadlineExceeded) && took >= c.cfg.timeout
	c.mu.Lock()
	count := slow && !c.evicted
	c.evicted = c.evicted || slow
	c.closed = true
	c.dropQueue()
	c.writing = false
	c.mu.Unlock()
	if count {
		c.evict() // a reader too slow for the deadline
		return
	}
	c.cancel() // the client went away, or was evicted already
}

// close runs after r3labs has returned: it stops a writer still blocked on
// the socket and waits for it, since nothing may touch the ResponseWriter
// once the handler returns.
func (c *conn) close() {
	c.mu.Lock()
	c.closed = true
	c.wakeWriter()
	writing := c.writing
	c.mu.Unlock()
	if writing {
		_ = c.rc.SetWriteDeadline(time.Now())
	}
	c.writers.Wait()
}

// refused reports that r3labs answered with an error instead of streaming
// (its errors are text/plain, so nothing of it was sent), and what it said.
// Validation happens before r3labs; what remains is a stream removed by a
// shutdown between join and serve. Call it after close.
func (c *conn) refused() (status int, msg string, ok bool) {
	if c.started || c.status == 0 {
		return 0, "", false
	}
	return int(c.status), string(bytes.TrimSpace(c.cur)), true
}
