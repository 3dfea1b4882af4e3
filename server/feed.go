package server

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/r3labs/sse/v2"

	tt "tickertalk/app"
	"tickertalk/history"
)

// Each event is formatted once, for every connection: its frame (the
// bytes that go on the wire) is built before it is published, and r3labs
// carries only a token naming it, a comment `: #N` that its handler
// writes for each subscriber. The connection follows its stream's feed to
// frame N and queues that same frame (conn.take), so r3labs's per-subscriber
// work is a few bytes whatever the event's size, and nothing is parsed
// per subscriber but the token.
//
// A feed is the list of the frames published to one r3labs stream, in the
// order their tokens enter r3labs. A connection holds its place in the
// list (the last frame it took); the garbage collector frees a frame once
// every connection of the stream has passed it, so a feed needs no
// counting and no bound of its own: r3labs's channels bound how far a
// connection can lag.

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

// feed is the frames of one r3labs stream. Safe for concurrent use.
type feed struct {
	// mu is held from linking a frame until its token is in r3labs, so
	// that tokens reach every subscriber in the order of the list: a
	// connection only walks forward. Connections never take it.
	mu   sync.Mutex
	tail atomic.Pointer[feedNode]
}

func newFeed(n uint64) *feed {
	f := &feed{}
	f.tail.Store(&feedNode{n: n})
	return f
}

// publish links fr to the feed under the next token of the hub's counter
// (so a feed's tokens increase, and no two feeds share one) and sends the
// token to r3labs stream id. It blocks while r3labs's buffer of that
// stream is full, as r3labs's Publish does.
func (f *feed) publish(s *sse.Server, id string, tokens *atomic.Uint64, fr frame) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := tokens.Add(1)
	f.link(n, fr)
	s.Publish(id, &sse.Event{Comment: appendToken(make([]byte, 0, 21), n)})
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

// seek finds token n in the feed from at, the last node a connection took
// (or the tail when it joined). A token at or before at is from before the
// connection joined, and one not in the list is another feed's (a stream
// removed and created again while it was published): both find nothing.
func seek(at *feedNode, n uint64) *feedNode {
	if at == nil || n <= at.n {
		return nil
	}
	for node := at.next.Load(); node != nil && node.n <= n; node = node.next.Load() {
		if node.n == n {
			return node
		}
	}
	return nil
}
