package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	tt "tickertalk/app"
	"tickertalk/history"
)

// resume is what a client asked to resume from.
type resume struct {
	id        uint64
	requested bool
	valid     bool
	// reason says why an id that is not valid cannot be resumed: the
	// reason of the resync each room gets instead.
	reason string
}

// Reasons of the resync a stream gets for an id it cannot resume from.
const (
	malformedReason = "malformed Last-Event-ID"
	foreignReason   = "Last-Event-ID is from another chat log"
)

// lastEventIDHeader is Last-Event-ID in the canonical form net/http keys
// headers by: looking up "Last-Event-ID" canonicalizes it into a new
// string on every call.
const lastEventIDHeader = "Last-Event-Id"

// parseResume reads the Last-Event-ID header (EventSource's reconnect), or
// else the lastEventId query (a page resuming from its cache). An id that
// the log whose identity is logID did not issue (history.CheckID) is not
// valid: its sequence would skip or repeat messages of this log.
func parseResume(r *http.Request, logID string) resume {
	raw := r.Header.Get(lastEventIDHeader)
	if raw == "" {
		raw, _ = queryValue(r.URL.RawQuery, tt.QueryLastEventID)
	}
	if raw == "" {
		return resume{}
	}
	id, err := history.CheckID(raw, logID)
	switch {
	case err == nil:
		return resume{requested: true, id: id, valid: true}
	case errors.Is(err, history.ErrForeignID):
		return resume{requested: true, reason: foreignReason}
	}
	return resume{requested: true, reason: malformedReason}
}

// handleEventStream serves GET /eventstream: validation and setup in
// openStream, then r3labs behind a conn, then closeStream. Bad input never
// reaches r3labs (it would answer 500, or 400 to a non-numeric
// Last-Event-ID, after which EventSource gives up for good; a malformed id
// gets a resync event instead).
//
// An HTTP/1 stream is taken over from net/http (rawResponse) and served
// by serveRaw on a goroutine of its own; this handler then returns, and
// net/http's goroutine, buffers and background reader with it. Otherwise
// (HTTP/2) this function stays on the stack of the connection's goroutine
// for the connection's whole life, so its frame is kept small: the work
// with many locals happens in openStream and closeStream, which return.
// The frame size of what stays parked counts beyond its goroutine: the
// runtime starts every new goroutine with a stack the size of the average
// stack in use at the last GC, rounded up to a power of two. With
// thousands of connections parked, the average is mostly the stream's
// stack and the two small goroutines beside it, and 700 bytes more here
// are enough to round it up from 2 KiB to 4 KiB: every goroutine started
// after that, three per new connection, gets twice the stack (1.8 KB more
// per connection at 10,000 idle connections).
func (s *Server) handleEventStream(w http.ResponseWriter, r *http.Request) {
	c, sr, err := s.openStream(w, r)
	if err != nil {
		if err != errAnswered {
			s.writeError(w, r, err)
		}
		return
	}
	if raw, ok := c.w.(*rawResponse); ok {
		// Taken over from net/http: its goroutine and buffers go as this
		// handler returns, and the stream lives on a goroutine of its own.
		go s.serveRaw(c, raw, sr)
		return
	}
	defer s.closeStream(c, w, r)
	s.hub.serve(c, sr)
}

// serveRaw serves a stream taken over from net/http (see rawResponse) on
// the goroutine it runs on, which only this stream's frames occupy. A
// panic ends this stream alone, as net/http's recovery would have.
func (s *Server) serveRaw(c *conn, w *rawResponse, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("stream panicked", "panic", v, "stack", string(debug.Stack()))
		}
	}()
	defer s.closeStream(c, w, r)
	s.hub.serve(c, r)
}

// openStream validates a stream request and registers the connection: the
// returned conn is to be served with the returned request (r, rewritten
// for r3labs, under a context the conn can cancel), then handed to
// closeStream. An error is for the client: nothing was registered.
//
// It must not be inlined into handleEventStream, whose frame it would grow.
//
//go:noinline
func (s *Server) openStream(w http.ResponseWriter, r *http.Request) (c *conn, sr *http.Request, err error) {
	if r.Method != http.MethodGet {
		return nil, nil, errMethod
	}
	// room is the stream's key: its rooms, sorted and joined by roomSep.
	room, err := parseStreamRooms(r.URL.RawQuery)
	if err != nil {
		return nil, nil, err
	}
	res := parseResume(r, s.logID)
	nick := s.sessionNick(r)

	// Capped before anything is registered, so that a refused stream costs
	// no more than its answer.
	addr := streamKey(s.proxies.clientAddr(r))
	if err := s.streams.acquire(addr); err != nil {
		s.metrics.streamsRefused.Inc()
		return nil, nil, err
	}
	if !s.track() {
		s.streams.release(addr)
		return nil, nil, errShuttingDown
	}
	// An HTTP/1 stream is taken over from net/http (rawResponse), and
	// then does not end with the request's context, which net/http ends
	// as the handler returns: it ends with the server's, or when watch
	// sees the client go.
	raw, pending := hijackStream(w, r)
	parent := r.Context()
	if raw != nil {
		w, parent = raw, s.ctx
	}
	opened := false
	defer func() {
		if !opened { // refused, or panicking: Close must not wait for this stream
			s.wg.Done()
			s.streams.release(addr)
			if raw != nil {
				raw.close()
			}
		}
	}()
	if pending {
		// The answer goes on the connection taken over, not on w, and
		// the rest of what the client sent is read before the close,
		// which would otherwise reset the connection under the answer.
		s.writeError(raw, r, errPipelined)
		raw.drain()
		return nil, nil, errAnswered
	}
	ctx, cancel := context.WithCancel(parent)
	c = newConn(w, cancel, &s.connCfg)
	if parent.Value(serverKey{}) != s {
		// Not served with BaseContext: Close must still end this stream.
		// (With it, this would be one more child of s.ctx per connection.)
		c.stop = context.AfterFunc(s.ctx, cancel)
	}
	c.room, c.nick, c.remote, c.res = room, nick, r.RemoteAddr, res

	eachRoom(room, func(room string) { s.pres.join(room, nick) })
	s.metrics.connections.Inc()
	c.stream, c.shard, c.feed = s.hub.join(room)
	sr = s.hub.request(ctx, r, c.shard.id)
	if raw != nil {
		go raw.watch(cancel)
	}
	opened = true
	return c, sr, nil
}

// closeStream undoes openStream once r3labs has returned (or panicked),
// and answers with a JSON error if r3labs refused the stream. Each step is
// deferred on its own, so that one that panics skips none of the others.
//
//go:noinline
func (s *Server) closeStream(c *conn, w http.ResponseWriter, r *http.Request) {
	defer s.wg.Done()
	if raw, ok := w.(*rawResponse); ok {
		defer raw.close() // after the answer, if r3labs refused the stream
	}
	defer s.streams.release(streamKey(s.proxies.clientAddr(r)))
	if c.stop != nil {
		defer c.stop()
	}
	defer eachRoom(c.room, func(room string) { s.pres.leave(room, c.nick) })
	defer s.metrics.connections.Dec()
	defer s.hub.leave(c.stream, c.shard)
	c.cancel()
	c.close()
	if c.started {
		c.stream.ended(c.shard, c.took)
	}
	if status, msg, ok := c.refused(); ok {
		if s.ctx.Err() != nil {
			s.writeError(w, r, errShuttingDown)
		} else {
			s.writeError(w, r, fmt.Errorf("r3labs refused the stream: %d %s", status, msg))
		}
	}
}

// startFrames, evicted and replayFailed are the server's [connHooks]:
// methods rather than closures, which would cost allocations per
// connection.
func (s *Server) startFrames(c *conn) firstFrames {
	return s.initialFrames(c.cfg.bufs.get(), c.room, c.res)
}

func (s *Server) evicted(c *conn) {
	s.metrics.evictions.Inc()
	s.log.Info("evicted slow client", "room", c.room, "remote", c.remote)
}

// initialFrames runs once r3labs has registered the connection: the
// preamble and the snapshots, taken now, go first; a resume is then
// replayed by the conn's writer from the id returned, which reads from
// history what was delivered before and holds back what arrives live
// meanwhile (replay.go). History is not read here: r3labs's goroutine must
// not wait on it. The frames are appended to buf (a pooled buffer, usually
// big enough for the preamble and a presence event); the ticker snapshot
// is not copied into them but returned, shared, for the conn to write in
// its place.
func (s *Server) initialFrames(buf []byte, room string, res resume) firstFrames {
	// The retry line spreads the reconnections after a restart (retry.go);
	// the next frame's block carries it.
	f := firstFrames{buf: appendRetry(append(buf, ":ok\n\n"...))}
	if room != "" && res.requested {
		if res.valid {
			f.last, f.replay = res.id, true
		} else {
			f.buf = s.appendResync(f.buf, room, res.reason)
		}
	}
	f.snapAt, f.snap = len(f.buf), s.ticker.snapshotFrame()
	if f.replay {
		f.tail = s.live.appendStates(s.connCfg.bufs.get(), "")
	} else {
		f.buf = s.live.appendStates(f.buf, "")
	}
	eachRoom(room, func(room string) {
		if f.replay {
			f.tail = s.live.appendStates(f.tail, room)
		} else {
			f.buf = s.live.appendStates(f.buf, room)
		}
		if data, err := json.Marshal(s.pres.snapshot(room)); err == nil {
			if f.replay {
				if f.tail == nil {
					f.tail = s.connCfg.bufs.get()
				}
				f.tail = appendFrame(f.tail, tt.KindPresence.Info(), "", data)
			} else {
				f.buf = appendFrame(f.buf, tt.KindPresence.Info(), "", data)
			}
		}
	})
	return f
}

// appendResync appends a resync event for each room of a stream's key.
func (s *Server) appendResync(b []byte, room, reason string) []byte {
	eachRoom(room, func(room string) {
		s.metrics.resyncs.Inc()
		b = appendResyncFrame(b, room, reason)
	})
	return b
}

// appendFrame appends one event of kind k as r3labs would write it. Only a
// kind whose class carries ids (durable) gets an id line, and never an
// empty one.
func appendFrame(b []byte, k *tt.KindInfo, id string, data []byte) []byte {
	name := k.Name
	if id != "" && k.Class.HasID() {
		b = append(b, "id: "...)
		b = append(b, id...)
		b = append(b, '\n')
	}
	b = append(b, "data: "...)
	b = append(b, data...)
	b = append(b, "\nevent: "...)
	b = append(b, name...)
	return append(b, "\n\n"...)
}
