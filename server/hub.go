package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/r3labs/sse/v2"

	tt "tickertalk/app"
)

// tickerStream is the r3labs stream of connections without a room. Room
// names cannot start with '_', so it never collides with one.
const tickerStream = "_ticker"

// hub owns the r3labs server of this node: one r3labs stream per set of
// rooms with open connections (a connection of one room has the room's
// stream; a browser's shared stream of several has the stream of that
// set, see parseStreamRooms), plus tickerStream. A room's events go to
// every stream whose set holds it, in the order they are published, so a
// connection of several rooms gets them in id order. r3labs fans out only
// to this node's connections; what reaches the hub comes from the bus.
//
// Streams are created on first join and removed when their last connection
// has left r3labs (after its request context ended), which is the only safe
// time: removing a stream with live subscribers leaks their goroutines.
type hub struct {
	sse *sse.Server

	mu     sync.Mutex
	conns  map[string]int      // stream id -> connections inside r3labs
	shared map[string][]string // room -> the streams of several rooms that hold it
}

func newHub() *hub {
	s := sse.New()
	// The EventLog grows without bound and replays from memory with its own
	// ids; replay comes from the chat log instead.
	s.AutoReplay = false
	s.AutoStream = false
	s.Headers = map[string]string{"X-Accel-Buffering": "no"}
	return &hub{sse: s, conns: make(map[string]int)}
}

func streamID(room string) string {
	if room == "" {
		return tickerStream
	}
	return room
}

// join registers one connection on the stream of room (a stream key:
// one room, several joined by roomSep, or none), creating it.
func (h *hub) join(room string) string {
	id := streamID(room)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conns[id] == 0 {
		h.sse.CreateStream(id)
		if strings.Contains(room, roomSep) {
			if h.shared == nil {
				h.shared = make(map[string][]string)
			}
			eachRoom(room, func(r string) { h.shared[r] = append(h.shared[r], id) })
		}
	}
	h.conns[id]++
	return id
}

// leave unregisters a connection whose r3labs handler has returned.
func (h *hub) leave(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.conns[id]--
	if h.conns[id] <= 0 {
		delete(h.conns, id)
		h.sse.RemoveStream(id)
		if strings.Contains(id, roomSep) {
			eachRoom(id, func(r string) {
				h.shared[r] = slices.DeleteFunc(h.shared[r], func(s string) bool { return s == id })
				if len(h.shared[r]) == 0 {
					delete(h.shared, r)
				}
			})
		}
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

// publishRoom sends ev to the connections of one room: its own stream's
// and those of the streams of several rooms that hold it.
func (h *hub) publishRoom(room string, ev *sse.Event) {
	h.sse.Publish(streamID(room), ev)
	h.mu.Lock()
	if len(h.shared[room]) == 0 {
		h.mu.Unlock()
		return
	}
	ids := slices.Clone(h.shared[room])
	h.mu.Unlock()
	for _, id := range ids {
		h.sse.Publish(id, ev)
	}
}

// publishAll sends ev to every connection of this node.
func (h *hub) publishAll(ev *sse.Event) {
	h.mu.Lock()
	ids := make([]string, 0, len(h.conns))
	for id := range h.conns {
		ids = append(ids, id)
	}
	h.mu.Unlock()
	for _, id := range ids {
		h.sse.Publish(id, ev)
	}
}

// event builds an r3labs event of kind k that cannot forge SSE fields: the
// name is a declared kind's, data is one line of JSON (encoding/json
// escapes CR and LF) and never empty, which would end every subscriber's
// response. The id is kept only for a kind whose class carries ids
// (durable): the class, not the caller, decides what a browser resumes
// from.
func event(k *tt.KindInfo, id string, data []byte) *sse.Event {
	if !k.Class.HasID() {
		id = ""
	}
	return &sse.Event{Event: []byte(k.Name), ID: []byte(id), Data: data}
}

func (h *hub) close() { h.sse.Close() }
