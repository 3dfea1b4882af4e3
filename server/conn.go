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
// browser and appends the rest to a bounded queue. One writer goroutine owns
// the socket and drains the queue under a write deadline. A client that stops
// reading therefore never slows r3labs's fan-out: its queue fills and it is
// evicted, and the browser resumes from its Last-Event-ID.
type conn struct {
	w        http.ResponseWriter
	rc       *http.ResponseController
	cancel   context.CancelFunc
	timeout  time.Duration
	maxQueue int
	onEvict  func()
	// delivered counts events queued to this connection.
	delivered prometheus.Counter
	// start runs at r3labs's first Flush, once the subscriber is registered,
	// and returns the frames that go before any live event (preamble,
	// resync, replay, snapshots) and the id of the last message among them.
	start func() ([]byte, uint64)

	// Owned by r3labs's handler goroutine.
	cur     []byte
	status  int
	started bool
	lastID  uint64

	mu      sync.Mutex
	queue   []byte
	evicted bool
	wake    chan struct{}
}

func newConn(w http.ResponseWriter, cancel context.CancelFunc, timeout time.Duration, maxQueue int) *conn {
	return &conn{
		w:        w,
		rc:       http.NewResponseController(w),
		cancel:   cancel,
		timeout:  timeout,
		maxQueue: maxQueue,
		wake:     make(chan struct{}, 1),
	}
}

// Header returns the real header map: r3labs sets the stream headers on it
// before its first Flush, and the writer sends them after.
func (c *conn) Header() http.Header { return c.w.Header() }

func (c *conn) WriteHeader(status int) { c.status = status }

func (c *conn) Write(p []byte) (int, error) {
	c.cur = append(c.cur, p...)
	return len(p), nil
}

// Flush ends one event written by r3labs.
func (c *conn) Flush() {
	if !c.started {
		c.started = true
		frames, last := c.start()
		c.lastID = last
		c.cur = c.cur[:0]
		c.enqueue(frames, true)
		c.delivered.Inc()
		return
	}
	frame, keep := c.frame(c.cur)
	if keep {
		c.enqueue(frame, false)
		c.delivered.Inc()
	}
	c.cur = c.cur[:0]
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
	seq, ok := history.ParseID(string(id))
	if !ok {
		return ev, true
	}
	if seq <= c.lastID {
		return nil, false
	}
	c.lastID = seq
	return ev, true
}

// enqueue appends p to the queue; initial frames may exceed the bound, live
// ones evict the connection when it is full.
func (c *conn) enqueue(p []byte, initial bool) {
	c.mu.Lock()
	if c.evicted {
		c.mu.Unlock()
		return
	}
	if !initial && len(c.queue)+len(p) > c.maxQueue {
		c.evicted = true
		c.queue = nil
		c.mu.Unlock()
		c.evict()
		return
	}
	c.queue = append(c.queue, p...)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// evict ends the connection of a client that does not keep up. Setting the
// write deadline to now unblocks a writer stuck on the socket, so the
// connection's resources go at once rather than after the timeout.
func (c *conn) evict() {
	if c.onEvict != nil {
		c.onEvict()
	}
	_ = c.rc.SetWriteDeadline(time.Now())
	c.cancel()
}

// retainedQueue is the largest buffer kept between writes: enough for a
// burst, small enough that idle connections stay cheap.
const retainedQueue = 16 << 10

// writeLoop owns the socket until ctx ends or a write fails. It sends the
// headers with the first batch, so the client sees `:ok` with them.
func (c *conn) writeLoop(ctx context.Context) {
	var spare []byte
	headerSent := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		}
		// Double buffering: r3labs appends to one buffer while this
		// goroutine writes the other. A wake-up can find the queue empty
		// (its events were taken with an earlier batch); then nothing is
		// swapped, or both sides would share one buffer.
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.mu.Unlock()
			continue
		}
		buf := c.queue
		c.queue, spare = spare[:0], nil
		c.mu.Unlock()
		_ = c.rc.SetWriteDeadline(time.Now().Add(c.timeout))
		if !headerSent {
			headerSent = true
			c.w.WriteHeader(http.StatusOK)
		}
		_, err := c.w.Write(buf)
		if err == nil {
			err = c.rc.Flush()
		}
		if err != nil {
			c.mu.Lock()
			already := c.evicted
			c.evicted = true
			c.queue = nil
			c.mu.Unlock()
			switch {
			case already:
			case errors.Is(err, os.ErrDeadlineExceeded):
				c.evict() // a reader too slow for the deadline
			default:
				c.cancel() // the client went away
			}
			return
		}
		if cap(buf) <= retainedQueue {
			spare = buf
		} else {
			spare = nil
		}
	}
}

// finish answers a request that r3labs refused before streaming (it writes
// its own errors as text/plain). Validation happens before r3labs, so this
// is a safety net; it runs after r3labs returned and the writer stopped.
func (c *conn) finish() {
	if c.started || c.status == 0 {
		return
	}
	c.w.Header().Del("Content-Type")
	http.Error(c.w, string(bytes.TrimSpace(c.cur)), c.status)
}
