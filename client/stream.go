package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	tt "tickertalk/app"
)

// Defaults of a [Stream].
const (
	// DefaultHeartbeatTimeout is how long a stream may send nothing before
	// the client drops it and reconnects: three of the server's default
	// heartbeats (a `: ping` comment every 15 s).
	DefaultHeartbeatTimeout = 3 * tt.DefaultHeartbeat
	// DefaultInitialDelay is the wait before the first reconnection while
	// the server has not sent a retry field.
	DefaultInitialDelay = time.Second
	// DefaultMaxDelay bounds the wait between failed attempts.
	DefaultMaxDelay = 30 * time.Second
)

// errEnded reports a stream the server ended (EOF): the stream reconnects.
var errEnded = errors.New("tickertalk: the server ended the event stream")

// errStopped is returned inside the iterator when the caller's loop broke.
var errStopped = errors.New("stopped by the caller")

// Stream is the event stream of one set of rooms on one server. It keeps,
// across reconnections and across calls of [Stream.Events], the last event
// id (the resume point) and the ids already delivered. Its methods are safe
// for concurrent use, but only one Events iteration may run at a time.
type Stream struct {
	c            *Client
	rooms        []string
	heartbeat    time.Duration
	initial, max time.Duration
	onDisconnect func(err error, delay time.Duration)
	running      atomic.Bool

	mu     sync.Mutex
	lastID string
	retry  time.Duration // the server's retry field, 0 until it sent one
	seen   map[string]*idWindow
}

// StreamOption configures a [Stream] made by [Client.Stream].
type StreamOption func(*Stream)

// After starts the stream after the event id lastID, as a client that saw
// it before (a program restarted with its saved position): the server
// replays what came after, or sends resync when it cannot.
func After(lastID string) StreamOption { return func(s *Stream) { s.lastID = lastID } }

// WithHeartbeatTimeout drops a connection that sends nothing for d (the
// server sends a comment every --heartbeat, 15 s by default) instead of
// [DefaultHeartbeatTimeout]; d <= 0 turns the detection off.
func WithHeartbeatTimeout(d time.Duration) StreamOption {
	return func(s *Stream) { s.heartbeat = d }
}

// WithBackoff sets the wait before a reconnection while the server has
// sent no retry field (initial, [DefaultInitialDelay] by default) and the
// longest wait after repeated failures (max, [DefaultMaxDelay]).
func WithBackoff(initial, max time.Duration) StreamOption {
	return func(s *Stream) { s.initial, s.max = initial, max }
}

// OnDisconnect calls fn, on the iterating goroutine, each time a
// connection attempt fails or a connection ends, with why and how long the
// stream waits before the next attempt. fn must not block.
func OnDisconnect(fn func(err error, delay time.Duration)) StreamOption {
	return func(s *Stream) { s.onDisconnect = fn }
}

// Stream returns the event stream of rooms (the ticker only when none, at
// most [app.MaxStreamRooms]); nothing is sent until [Stream.Events] runs.
func (c *Client) Stream(rooms []string, opts ...StreamOption) *Stream {
	s := &Stream{
		c: c, rooms: append([]string(nil), rooms...),
		heartbeat: DefaultHeartbeatTimeout, initial: DefaultInitialDelay, max: DefaultMaxDelay,
		seen: make(map[string]*idWindow),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// LastEventID returns the id the stream resumes after: the last id the
// server sent (or [After]'s).
func (s *Stream) LastEventID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastID
}

// Events returns an iterator over the stream's events, in the order the
// server sent them, that connects, and reconnects after every failure,
// until ctx ends or the loop breaks; either way it returns with its
// connection closed and no goroutine of its own left.
//
// It yields an event with a nil error, or:
//   - an event and an error wrapping [ErrBadEvent] for data of a declared
//     kind that does not decode (the stream goes on if the loop does);
//   - a zero event and the error that ends it: an answer that is not an
//     event stream ([ErrNotEventStream]: a 404, an HTML page), an
//     [*APIError] that retrying cannot mend (a refused room list),
//     [ErrLineTooLong].
//
// Failures that retrying mends (a network error, the server ending the
// stream or restarting, [ErrHeartbeatTimeout], a 408, 429, 500, 502, 503
// or 504, JSON or not) are not yielded: they go to [OnDisconnect], and
// the stream reconnects with Last-Event-ID after the server's retry time,
// doubled (up to the maximum) after each attempt that failed to connect,
// plus a random part of up to half, or after the answer's Retry-After when
// longer. The time the loop spends on an event does not count towards the
// heartbeat timeout.
//
// An event with an id already delivered in its room is skipped; a resync
// event of a room forgets the ids of that room, since the server's history
// of it starts again.
func (s *Stream) Events(ctx context.Context) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		if !s.running.CompareAndSwap(false, true) {
			yield(Event{}, errors.New("tickertalk: Stream.Events is already running"))
			return
		}
		defer s.running.Store(false)
		failures := 0
		for {
			connected, err := s.connect(ctx, yield)
			if errors.Is(err, errStopped) || ctx.Err() != nil {
				return
			}
			if connected {
				failures = 0
			}
			if permanent(err) {
				yield(Event{}, err)
				return
			}
			delay := s.delay(failures, err)
			failures++
			if s.onDisconnect != nil {
				s.onDisconnect(err, delay)
			}
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// connect opens one connection and yields its events until it ends. It
// reports whether the server answered with an event stream, and why the
// connection ended.
func (s *Stream) connect(ctx context.Context, yield func(Event, error) bool) (bool, error) {
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watch := newWatchdog(s.heartbeat, func() { cancel(ErrHeartbeatTimeout) })
	defer watch.stop()

	q := url.Values{}
	for _, r := range s.rooms {
		q.Add(tt.QueryRoom, r)
	}
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, s.c.url(tt.PathEventStream, q), nil)
	if err != nil {
		return false, fmt.Errorf("tickertalk: stream request: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	lastID := s.LastEventID()
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := s.c.http.Do(req)
	if err != nil {
		return false, s.cause(cctx, fmt.Errorf("tickertalk: open event stream: %w", err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !isEventStream(resp.Header.Get("Content-Type")) {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		err := responseError("GET "+tt.PathEventStream, resp, body, true)
		if ae := (*APIError)(nil); !errors.As(err, &ae) {
			err = &notStreamError{status: resp.StatusCode, err: err}
		}
		return false, err
	}
	dec := NewDecoder(watch.reader(resp.Body), 16<<10)
	dec.SetLastEventID(lastID)
	for {
		f, err := dec.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errEnded
			}
			return true, s.cause(cctx, err)
		}
		if f.IsComment {
			continue // ":ok", ": ping": the watchdog has seen them
		}
		s.advance(dec)
		if !f.HasData {
			continue // a block an EventSource drops (its id and retry count)
		}
		ev, derr := decodeEvent(f)
		if !s.deliverable(ev) {
			continue
		}
		watch.pause()
		more := yield(ev, derr)
		watch.resume()
		if !more {
			return true, errStopped
		}
	}
}

// advance notes the resume point and the retry time after the block the
// decoder has just read.
func (s *Stream) advance(dec *Decoder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastID = dec.LastEventID()
	if d, ok := dec.ReconnectDelay(); ok {
		s.retry = d
	}
}

// deliverable reports whether ev is to be delivered: not an id already
// delivered in its room. It notes ev's id, and a resync forgets its room's.
func (s *Stream) deliverable(ev Event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev.Kind == tt.EventResync {
		if ev.Room == "" {
			clear(s.seen)
		}
		delete(s.seen, ev.Room)
		return true
	}
	if ev.ID == "" {
		return true
	}
	w := s.seen[ev.Room]
	if w == nil {
		w = newIDWindow(dedupeWindow)
		s.seen[ev.Room] = w
	}
	return w.add(ev.ID)
}

// cause returns ErrHeartbeatTimeout when the watchdog ended the connection,
// else err.
func (s *Stream) cause(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), ErrHeartbeatTimeout) {
		return fmt.Errorf("%w (%v)", ErrHeartbeatTimeout, s.heartbeat)
	}
	return err
}

// delay is the wait before the next attempt after failures failed ones.
func (s *Stream) delay(failures int, err error) time.Duration {
	s.mu.Lock()
	base := s.retry
	s.mu.Unlock()
	if base <= 0 {
		base = s.initial
	}
	return backoff(base, s.max, failures, err)
}

// notStreamError is an answer that is neither an event stream nor the
// server's JSON error; its status tells whether retrying may help (a
// proxy's 502 while a node restarts) or not (a 404 page).
type notStreamError struct {
	status int
	err    error
}

func (e *notStreamError) Error() string { return e.err.Error() }
func (e *notStreamError) Unwrap() error { return e.err }

// permanent reports whether retrying cannot mend err.
func permanent(err error) bool {
	var ae *APIError
	var ns *notStreamError
	switch {
	case errors.As(err, &ae):
		return !ae.Temporary()
	case errors.As(err, &ns):
		return !temporaryStatus(ns.status)
	case errors.Is(err, ErrLineTooLong):
		return true
	}
	return false
}
