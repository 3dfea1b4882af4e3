package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/r3labs/sse/v2"
)

// streamTokens is the buffer of each r3labs stream, in tokens.
const streamTokens = 1024 / maxTokenFrames

// tickerStream is the r3labs stream of connections without a room. Room
// names cannot start with '_', so it never collides with one.
const tickerStream = "_ticker"

// hub owns the r3labs server of this node: one stream per set of rooms
// with open connections (a connection of one room has the room's stream;
// a browser's shared stream of several has the stream of that set, see
// parseStreamRooms), plus tickerStream. A room's events go to every stream
// whose set holds it, in the order they are published, so a connection of
// several rooms gets them in id order. r3labs fans out only to this node's
// connections; what reaches the hub comes from the bus.
//
// A stream is a feed: the frames published to it, and its connections
// spread over r3labs streams of at most shardConns each (shard.go), which
// are created on first join and removed when their last connection has
// left r3labs (after its request context ended), which is the only safe
// time: removing an r3labs stream with live subscribers leaks their
// goroutines.
//
// What r3labs carries is a token per event; the event's frame, built once,
// is on the stream's feed (feed.go).
type hub struct {
	sse       *sse.Server
	tokens    atomic.Uint64 // the last token given
	shardSize int           // the most connections of one r3labs stream: shardConns
	steps     *stepper      // moves the feeds' sweeps on

	mu     sync.Mutex
	feeds  map[string]*feed    // stream id -> its frames and shards
	shared map[string][]string // room -> the streams of several rooms that hold it
}

func newHub() *hub {
	s := sse.New()
	// The EventLog grows without bound and replays from memory with its own
	// ids; replay comes from the chat log instead.
	s.AutoReplay = false
	s.AutoStream = false
	s.Headers = map[string]string{"X-Accel-Buffering": "no"}
	// A token gives up to maxTokenFrames frames: a buffer of streamTokens
	// tokens holds as many frames as r3labs's default of 1,024 events, so
	// that a publisher that outruns the fan-out is held back (with the 64
	// tokens of each subscriber's channel, after at most 2,048 frames).
	s.BufferSize = streamTokens
	h := &hub{sse: s, shardSize: shardConns, feeds: make(map[string]*feed)}
	if st, err := newStepper(); err == nil {
		h.steps = st
	}
	return h
}

func streamID(room string) string {
	if room == "" {
		return tickerStream
	}
	return room
}

// join registers one connection on the stream of room (a stream key:
// one room, several joined by roomSep, or none), creating it, and places
// it on a shard, whose r3labs stream it is to be served on. at is where
// the connection starts on the stream's feed f: it takes the frames of
// the tokens after it.
func (h *hub) join(room string) (f *feed, s *shard, at *feedNode) {
	id := streamID(room)
	h.mu.Lock()
	defer h.mu.Unlock()
	f = h.feeds[id]
	if f == nil {
		f = newFeed(h.sse, id, h.tokens.Add(1))
		f.shardSize, f.steps = h.shardSize, h.steps
		h.feeds[id] = f
		if strings.Contains(room, roomSep) {
			if h.shared == nil {
				h.shared = make(map[string][]string)
			}
			eachRoom(room, func(r string) { h.shared[r] = append(h.shared[r], id) })
		}
	}
	f.members++
	return f, f.place(), f.tail.Load()
}

// leave unregisters a connection of feed f and shard s whose r3labs
// handler has returned.
func (h *hub) leave(f *feed, s *shard) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !f.leave(s) {
		return
	}
	delete(h.feeds, f.id)
	if strings.Contains(f.id, roomSep) {
		eachRoom(f.id, func(r string) {
			h.shared[r] = slices.DeleteFunc(h.shared[r], func(s string) bool { return s == f.id })
			if len(h.shared[r]) == 0 {
				delete(h.shared, r)
			}
		})
	}
}

// request prepares a validated request for r3labs on stream id, under
// ctx. r3labs reads only the query's stream and the Last-Event-ID header
// (which would make it answer 400 or replay from its own log), so r's URL
// is rewritten and that header dropped in place: r is this handler's own,
// and a copy would be kept for the connection's whole life.
func (h *hub) request(ctx context.Context, r *http.Request, id string) *http.Request {
	r.Header.Del(lastEventIDHeader)
	r.URL.RawQuery = "stream=" + url.QueryEscape(id)
	return r.WithContext(ctx)
}

// serve hands a request prepared by request to r3labs.
func (h *hub) serve(w http.ResponseWriter, r *http.Request) { h.sse.ServeHTTP(w, r) }

// publishRoom sends f to the connections of one room: its own stream's
// and those of the streams of several rooms that hold it.
func (h *hub) publishRoom(room string, f frame) {
	h.mu.Lock()
	to := make([]*feed, 0, 1+len(h.shared[room]))
	to = h.appendFeed(to, streamID(room))
	for _, id := range h.shared[room] {
		to = h.appendFeed(to, id)
	}
	h.mu.Unlock()
	h.publish(to, f)
}

// publishAll sends f to every connection of this node.
func (h *hub) publishAll(f frame) {
	h.mu.Lock()
	to := make([]*feed, 0, len(h.feeds))
	for id := range h.feeds {
		to = h.appendFeed(to, id)
	}
	h.mu.Unlock()
	h.publish(to, f)
}

// appendFeed appends the feed of stream id, if it has connections; the
// caller holds h.mu.
func (h *hub) appendFeed(to []*feed, id string) []*feed {
	if f := h.feeds[id]; f != nil {
		to = append(to, f)
	}
	return to
}

// publish sends f to the streams of the feeds to, one after the other:
// each gets a token of its own on its feed.
func (h *hub) publish(to []*feed, f frame) {
	for _, s := range to {
		s.publish(&h.tokens, f)
	}
}

func (h *hub) close() {
	h.sse.Close()
	if h.steps != nil {
		h.steps.close()
	}
}
