package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tickertalk/history"
)

// conn is one SSE connection. It stands between r3labs/sse and the socket:
// r3labs writes each event as several Writes and one Flush into conn, which
// never blocks it; conn frames the event, drops what must not reach the
// browser and appends the rest to a bounded queue. A writer goroutine owns
// the socket while the queue holds anything and drains it under a write
// deadline. A client that stops reading therefore never slows r3labs's
// fan-out: its queue fills and it is evicted, and the browser resumes from
// its Last-Event-ID.
//
// The writer exists only while there is something to write: an idle
// connection (most of them, most of the time) costs no goroutine and no
// buffer beyond r3labs's own: an event's buffer goes from r3labs's side to
// the queue to the writer and back to a pool shared by every connection.
type conn struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	cancel context.CancelFunc
	cfg    *connConfig

	// What the connection was opened with: for cfg.hooks and closeStream.
	room, nick string
	remote     string
	res        resume
	stop       func() bool // unregisters a cancellation, or nil

	// Owned by r3labs's handler goroutine.
	cur    []byte
	lastID uint64
	status int32

	started bool // owned by r3labs's handler goroutine

	// The ticker snapshot goes out with the first batch, at snapAt in the
	// initial frames, written from the slice every connection shares: a
	// copy per connection was the biggest allocation of a connect (the
	// sparklines), garbage a moment later. Set before the writer starts,
	// then the writer's; never modified.
	snapAt int32
	snap   []byte

	writing    bool // guarded by mu: a writer goroutine runs; it alone touches w
	evicted    bool // guarded by mu: too slow, counted once
	closed     bool // guarded by mu: nothing more is written (evicted, failed or ended)
	headerSent bool // touched only by the writer of the moment

	mu      sync.Mutex
	queue   []byte
	writers sync.WaitGroup // the handler waits for the last writer
}

// connConfig is what every connection of a server shares: one per server
// rather than copies (and closures) in each of thousands of conns.
type connConfig struct {
	timeout  time.Duration
	maxQueue int
	bufs     *buffers
	// delivered counts events queued to a connection.
	delivered prometheus.Counter
	hooks     connHooks
}

// connHooks is what a conn asks of the server that opened it.
type connHooks interface {
	// startFrames runs at r3labs's first Flush, once the subscriber is
	// registered, and returns the frames that go before any live event
	// (preamble, resync, replay, snapshots) and the id of the last message
	// among them.
	startFrames(c *conn) firstFrames
	// evicted reports a client evicted as too slow.
	evicted(c *conn)
}

// firstFrames is what a connection sends before any live event: buf, its
// own frames (a pooled buffer), with snap, a frame shared by every
// connection and never modified, inserted at snapAt; last is the id of the
// last message among them.
type firstFrames struct {
	buf    []byte
	snapAt int
	snap   []byte
	last   uint64
}

func newConn(w http.ResponseWriter, cancel context.CancelFunc, cfg *connConfig) *conn {
	return &conn{
		w:      w,
		rc:     http.NewResponseController(w),
		cancel: cancel,
		cfg:    cfg,
	}
}

// Header returns the real header map: r3labs sets the stream headers on it
// before its first Flush, and the writer sends them after.
func (c *conn) Header() http.Header { return c.w.Header() }

func (c *conn) WriteHeader(status int) { c.status = int32(status) }

func (c *conn) Write(p []byte) (int, error) {
	if c.cur == nil {
		c.cur = c.cfg.bufs.get()
	}
	c.cur = append(c.cur, p...)
	return len(p), nil
}

// Flush ends one event written by r3labs.
func (c *conn) Flush() {
	if !c.started {
		c.started = true
		f := c.cfg.hooks.startFrames(c)
		c.lastID = f.last
		// The queue is empty until this first Flush, so f.buf starts it
		// and snapAt holds for the writer's first batch.
		c.snap, c.snapAt = f.snap, int32(f.snapAt)
		queued, owned := c.enqueue(f.buf, true)
		if queued {
			c.cfg.delivered.Inc()
		}
		if !owned {
			c.cfg.bufs.put(f.buf)
		}
		c.cfg.bufs.put(c.cur)
		c.cur = nil
		return
	}
	if frame, keep := c.frame(c.cur); keep {
		queued, owned := c.enqueue(frame, false)
		if queued {
			c.cfg.delivered.Inc()
		}
		if owned {
			c.cur = nil // the queue owns it now
			return
		}
	}
	c.cfg.bufs.put(c.cur)
	c.cur = nil
}

var idPrefix = []byte("id: ")

// frame fixes one event as r3labs wrote it. r3labs writes an `id:` line for
// every event with data, empty when the event has no id; an empty id line
// would reset the browser's last event id, so it goes. A message at or below
// the last id written was already replayed, so the event goes.
func (c *conn) frame(ev []byte) ([]byte, bool) {
	if !bytes.HasPrefix(ev, idPrefix) {
		return ev, true
	}
	nl := bytes.IndexByte(ev, '\n')
	if nl < 0 {
		return nil, false
	}
	id := ev[len(idPrefix):nl]
	if len(id) == 0 {
		return ev[nl+1:], true
	}
	seq, ok := history.ParseID(string(id)) // no allocation: the string does not escape
	if !ok {
		return ev, true
	}
	if seq <= c.lastID {
		return nil, false
	}
	c.lastID = seq
	return ev, true
}

// enqueue adds p to the queue and starts a writer if none runs. Initial
// frames may exceed the bound; live ones evict the connection when it is
// full. queued reports that p will be written. When the queue is empty, p
// itself becomes the queue, without a copy, and owned is true: p is then
// the queue's, not the caller's.
func (c *conn) enqueue(p []byte, initial bool) (queued, owned bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false, false
	}
	if !initial && len(c.queue)+len(p) > c.cfg.maxQueue {
		c.evicted, c.closed = true, true
		c.queue = nil
		c.mu.Unlock()
		c.evict()
		return false, false
	}
	if len(c.queue) == 0 {
		c.cfg.bufs.put(c.queue) // an empty buffer the writer left for reuse
		c.queue, owned = p, true
	} else {
		c.queue = append(c.queue, p...)
	}
	start := !c.writing
	c.writing = true
	if start {
		c.writers.Add(1)
	}
	c.mu.Unlock()
	if start {
		go c.write()
	}
	return true, owned
}

// evict ends the connection of a client that does not keep up. Setting the
// write deadline to now unblocks a writer stuck on the socket, so the
// connection's resources go at once rather than after the timeout.
func (c *conn) evict() {
	c.cfg.hooks.evicted(c)
	_ = c.rc.SetWriteDeadline(time.Now())
	c.cancel()
}

// write drains the queue to the socket and returns when it is empty or a
// write failed. The headers go with the first batch, so the client sees
// `:ok` with them.
func (c *conn) write() {
	defer c.writers.Done()
	var spare []byte
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.closed {
			c.writing = false
			if len(c.queue) == 0 {
				c.cfg.bufs.put(c.queue) // an idle connection keeps no buffer
				c.queue = nil
			}
			c.mu.Unlock()
			c.cfg.bufs.put(spare)
			return
		}
		// Double buffering: r3labs appends to one buffer while this
		// goroutine writes the other.
		buf := c.queue
		c.queue, spare = spare[:0], nil
		// The deadline is set under the lock: close and evict mark the
		// conn closed under it before forcing the deadline to now, so
		// theirs always comes last and a blocked write ends at once.
		began := time.Now()
		_ = c.rc.SetWriteDeadline(began.Add(c.cfg.timeout))
		c.mu.Unlock()

		err := c.writeBatch(buf)
		if err == nil {
			err = c.rc.Flush()
		}
		if err != nil {
			c.failed(err, time.Since(began))
			return
		}
		spare = buf
	}
}

// writeBatch writes one batch from the queue; the first one goes after
// the headers and with the shared snapshot.
func (c *conn) writeBatch(buf []byte) error {
	if !c.headerSent {
		c.headerSent = true
		c.w.WriteHeader(http.StatusOK)
		if c.snap != nil {
			at := min(int(c.snapAt), len(buf))
			if _, err := c.w.Write(buf[:at]); err != nil {
				return err
			}
			if _, err := c.w.Write(c.snap); err != nil {
				return err
			}
			buf, c.snap = buf[at:], nil
		}
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
	c.queue = nil
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
