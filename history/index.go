// Package history indexes the retained chat messages, and the events of
// the other durable kinds, of every room, in id order, for replay on
// reconnect, scrollback, the room list and idempotent sends.
//
// It is a projection of the chat log (JetStream), fed in log order by one
// follower; it bounds each room exactly as the log does, so it holds what the
// log holds and nothing else. It keeps a few dozen bytes of metadata per
// retained message (id, time, idempotency key) and the messages themselves
// in a cache of bounded size; a message the cache no longer holds is read
// back from the log ([Source]). When the log discards messages on its own
// (its byte limit, across rooms), [Index.Discarded] tells the index, which
// then reports resumes into the discarded range as gaps.
package history

import (
	"container/heap"
	"context"
	"errors"
	"hash/maphash"
	"slices"
	"sort"
	"sync"
	"time"

	tt "tickertalk/app"
)

// ErrGap reports that a resume point is older than the retained history of
// its room, or newer than anything the log has assigned: the messages in
// between cannot be replayed and the client must reload history.
var ErrGap = errors.New("history: resume point outside the retained history")

// Entry is one retained durable event with its id as a number and its
// JSON encoding as clients see it, made once and shared by every
// connection that replays it. Kind is "" for a chat message, whose Msg is
// the message; an event of another durable kind has its kind's name there,
// JSON is its payload, and Msg holds only its envelope: ID, Room, Time,
// Sender and ClientID.
type Entry struct {
	Seq  uint64
	Msg  tt.ChatMessage
	JSON []byte
	Kind string
}

// IsMessage reports whether e is a chat message.
func (e Entry) IsMessage() bool { return e.Kind == "" }

// meta is what the index keeps of a retained message whatever the cache
// holds: 24 bytes (and an entry of Index.clients when it has a clientId).
type meta struct {
	seq   uint64
	key   uint64 // hash of its idempotency key; 0 without a clientId
	size  uint32 // length of its JSON, for Backlog
	event bool   // not a chat message: scrollback pages count messages only
}

type room struct {
	metas   []meta   // ascending seq
	lastAt  int64    // time of the newest message, Unix nanoseconds
	skipped []uint64 // ascending: log entries of the room not shown, see Skip
	// lost is the highest seq of the room found gone from the log before
	// Discarded said so: a resume from below it is a gap.
	lost uint64
}

// slots is how many of the room's log entries the index accounts for.
func (r *room) slots() int { return len(r.metas) + len(r.skipped) }

// oldest is the seq of the room's oldest accounted log entry (0: none).
func (r *room) oldest() uint64 {
	switch {
	case len(r.metas) == 0 && len(r.skipped) == 0:
		return 0
	case len(r.skipped) == 0:
		return r.metas[0].seq
	case len(r.metas) == 0:
		return r.skipped[0]
	}
	return min(r.metas[0].seq, r.skipped[0])
}

// Index is safe for concurrent use. Add and Skip must be called from one
// goroutine, in log order; Discarded from any. Readers may block on the [Source] while
// the cache misses, never while holding the index's lock.
type Index struct {
	limit   int
	src     Source
	cache   *cache
	timeout time.Duration
	seed    maphash.Seed

	mu      sync.RWMutex
	rooms   map[string]*room
	clients map[uint64]sent // idempotency key hash -> where the message is
	last    uint64          // highest seq seen
	floor   uint64          // the log holds nothing below this seq
	// lostUpTo is the highest seq of a log entry known lost (see Lost).
	lostUpTo uint64
	// reserved: rooms a send may be creating, see ReserveRoom.
	reserved map[string]struct{}
	// moved is closed when last moves, for WaitLast; nil when nobody waits.
	moved chan struct{}
}

// Option configures an [Index] beyond its per-room limit.
type Option func(*Index)

// WithSource makes the index keep at most cacheBytes of messages in
// memory (JSON and decoded, as charged by the cache, plus a fixed overhead
// per message) and read the others back from src, waiting at most
// timeout (default [DefaultLoadTimeout]) for one read. Without it the index
// keeps every retained message in memory.
func WithSource(src Source, cacheBytes int64, timeout time.Duration) Option {
	return func(x *Index) {
		x.src = src
		x.cache = newCache(max(cacheBytes, 0))
		if timeout > 0 {
			x.timeout = timeout
		}
	}
}

// Defaults of the index.
const (
	// DefaultCacheBytes is the message cache of an index with a source,
	// unless configured.
	DefaultCacheBytes = 64 << 20
	// DefaultLoadTimeout bounds one read from the source.
	DefaultLoadTimeout = 5 * time.Second
)

// New returns an empty index that keeps at most limit messages per room.
func New(limit int, opts ...Option) *Index {
	if limit < 1 {
		limit = tt.DefaultHistory
	}
	x := &Index{
		limit: limit, cache: newCache(-1), timeout: DefaultLoadTimeout, seed: maphash.MakeSeed(),
		rooms: make(map[string]*room), clients: make(map[uint64]sent),
	}
	for _, o := range opts {
		o(x)
	}
	return x
}

// sent locates a retained message by its idempotency key.
type sent struct {
	room string
	seq  uint64
}

// ClientKey is the idempotency key of a send: the id of the sending
// session (which a rename keeps) and the client's own id.
func ClientKey(sessionID, clientID string) string { return sessionID + "\x00" + clientID }

// EventClientID is the client id under which an event of a durable kind
// other than message is deduplicated: the same client id sent with two
// kinds names two events.
func EventClientID(kind, clientID string) string { return kind + "\x00" + clientID }

// dedupClientID is the client id e is deduplicated under.
func (e Entry) dedupClientID() string {
	if e.Kind == "" {
		return e.Msg.ClientID
	}
	return EventClientID(e.Kind, e.Msg.ClientID)
}

func (x *Index) keyHash(sessionID, clientID string) uint64 {
	h := maphash.String(x.seed, ClientKey(sessionID, clientID))
	return max(h, 1) // 0 means "no key"
}

// Add appends e (a message or an event of another durable kind) to its room and reports whether it was new. Entries at or
// below the last seq are ignored, so a follower that re-delivers cannot
// duplicate history. e goes into the cache: new messages are the likeliest
// to be read.
func (x *Index) Add(e Entry) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if e.Seq <= x.last {
		return false
	}
	x.setLast(e.Seq)
	r := x.room(e.Msg.Room)
	m := meta{seq: e.Seq, size: uint32(min(len(e.JSON), 1<<32-1)), event: e.Kind != ""}
	r.lastAt = e.Msg.Time.UnixNano()
	if e.Msg.ClientID != "" {
		m.key = x.keyHash(e.Msg.Sender, e.dedupClientID())
		x.clients[m.key] = sent{e.Msg.Room, e.Seq}
	}
	r.metas = append(r.metas, m)
	x.cache.put(e)
	x.trim(r)
	return true
}

// setLast moves last to seq and wakes WaitLast's waiters. The caller
// holds x.mu.
func (x *Index) setLast(seq uint64) {
	x.last = seq
	if x.moved != nil {
		close(x.moved)
		x.moved = nil
	}
}

// WaitLast waits until the index has seen seq (see [Index.Last]) and
// reports whether it has; false when ctx ended first. A send answered by
// the log is in the index a moment later, when the follower delivers it.
func (x *Index) WaitLast(ctx context.Context, seq uint64) bool {
	for {
		x.mu.Lock()
		if x.last >= seq {
			x.mu.Unlock()
			return true
		}
		if x.moved == nil {
			x.moved = make(chan struct{})
		}
		moved := x.moved
		x.mu.Unlock()
		select {
		case <-moved:
		case <-ctx.Done():
			return false
		}
	}
}

// Skip records that the log holds at seq an entry of roomName that is not
// a message (something other than this server published it, invalid): it
// is never shown, but it takes one of the room's places in the log, which
// keeps as many entries per subject as this index keeps per room. Counting
// it keeps the index's idea of a full room, and so of a possible gap, the
// log's. Seqs at or below the last one are ignored, as in Add.
func (x *Index) Skip(roomName string, seq uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if seq <= x.last {
		return
	}
	x.setLast(seq)
	r := x.room(roomName)
	r.skipped = append(r.skipped, seq)
	x.trim(r)
}

// Discarded records that the log holds nothing below seq first any more
// (its byte limit discards the oldest messages of any room): the index
// forgets them, and a resume from before first into a room that has
// nothing retained in between is a gap. A first at or below the known one
// changes nothing.
func (x *Index) Discarded(first uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if first <= x.floor {
		return
	}
	x.floor = first
	for _, r := range x.rooms {
		if r.oldest() >= first {
			continue
		}
		for len(r.metas) > 0 && r.metas[0].seq < first {
			x.dropOldest(r)
		}
		i := sort.Search(len(r.skipped), func(i int) bool { return r.skipped[i] >= first })
		r.skipped = r.skipped[i:]
	}
	for name, r := range x.rooms {
		if r.lost < first {
			r.lost = 0 // the floor covers it
		}
		if r.slots() == 0 && r.lost == 0 {
			x.deleteRoom(name)
		}
	}
}

func (x *Index) room(name string) *room {
	r := x.rooms[name]
	if r == nil {
		r = &room{}
		x.rooms[name] = r
		delete(x.reserved, name)
	}
	return r
}

func (x *Index) deleteRoom(name string) {
	delete(x.rooms, name)
}

// trim drops the room's oldest entries beyond the limit, as the log does.
func (x *Index) trim(r *room) {
	for r.slots() > x.limit {
		if len(r.skipped) > 0 && (len(r.metas) == 0 || r.skipped[0] < r.metas[0].seq) {
			r.skipped = r.skipped[1:]
			continue
		}
		x.dropOldest(r)
	}
}

// dropOldest forgets the room's oldest message.
func (x *Index) dropOldest(r *room) {
	old := r.metas[0]
	if old.key != 0 && x.clients[old.key].seq == old.seq {
		delete(x.clients, old.key)
	}
	x.cache.remove(old.seq)
	r.metas = r.metas[1:]
	if len(r.metas) == 0 {
		r.metas = nil // let the backing array go
	}
}

// Last returns the highest seq added so far (0 when empty).
func (x *Index) Last() uint64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.last
}

// Stats is what the index holds, for logs and tests.
type Stats struct {
	Rooms      int
	Messages   int
	CacheBytes int64
}

// Stats counts the rooms and messages indexed and the bytes cached.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	st := Stats{Rooms: len(x.rooms), CacheBytes: x.cache.bytes()}
	for _, r := range x.rooms {
		st.Messages += len(r.metas)
	}
	return st
}

// HasRoom reports whether the log holds entries of room, and how many
// rooms it holds entries of.
func (x *Index) HasRoom(name string) (exists bool, rooms int) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	_, exists = x.rooms[name]
	return exists, len(x.rooms)
}

// Lost records that the log lost entries up to seq last (damaged or
// missing files), in rooms nobody can tell: a resume from before last may
// have missed one of them, so After and Page answer ErrGap to it, in every
// room.
func (x *Index) Lost(first, last, count uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.lostUpTo = max(x.lostUpTo, last)
}

// gap reports whether messages of r above after may be missing: after is
// beyond the log, or the room is full and after is older than its oldest
// entry (the room dropped some, here or before a restart), or after is
// below what the log holds at all and older than the room's oldest entry
// (the log discarded some), or entries above after were lost (see
// [Index.Lost]). r may be nil. Call with x.mu held.
func (x *Index) gap(r *room, after uint64) bool {
	if after > x.last || after < x.lostUpTo {
		return true
	}
	oldest := uint64(1<<64 - 1)
	if r != nil && r.slots() > 0 {
		oldest = r.oldest()
	}
	if r != nil && r.slots() >= x.limit && after < oldest-1 {
		return true
	}
	if r != nil && after < r.lost {
		return true
	}
	return x.floor > 1 && after < x.floor-1 && after < oldest-1
}

// RoomSummary is what the index knows of one room.
type RoomSummary struct {
	Name          string
	LastMessageAt time.Time
}

// Rooms lists every room with retained messages, by name.
func (x *Index) Rooms() []RoomSummary {
	out, _ := x.RoomsAfter("", -1)
	return out
}

// RoomsAfter lists, by name, up to limit rooms with retained messages whose
// name sorts after after ("" from the first; limit below 0: all), and
// whether more follow. It looks at every room once, keeping only the page
// in hand: its cost grows with the rooms, its memory with limit.
func (x *Index) RoomsAfter(after string, limit int) ([]RoomSummary, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var page nameHeap // the smallest names after after, largest on top
	more := false
	for name, r := range x.rooms {
		if name <= after || len(r.metas) == 0 { // no messages: only entries that are not
			continue
		}
		switch {
		case limit < 0 || page.Len() < limit:
			heap.Push(&page, name)
		case limit > 0 && name < page[0]:
			page[0] = name
			heap.Fix(&page, 0)
			more = true
		default:
			more = true
		}
	}
	slices.Sort(page)
	out := make([]RoomSummary, 0, len(page))
	for _, name := range page {
		out = append(out, RoomSummary{Name: name, LastMessageAt: time.Unix(0, x.rooms[name].lastAt).UTC()})
	}
	return out, more
}

// nameHeap is a max-heap of room names.
type nameHeap []string

func (h nameHeap) Len() int           { return len(h) }
func (h nameHeap) Less(i, j int) bool { return h[i] > h[j] }
func (h nameHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nameHeap) Push(v any)        { *h = append(*h, v.(string)) }
func (h *nameHeap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}

// ParseID returns the sequence of a message id of any log ("<log>-<seq>",
// see [tt.MessageID]); ok is false for anything else. Ids from outside
// are checked against this log with [CheckID] instead.
func ParseID(s string) (uint64, bool) {
	return tt.MessageSeq(s)
}
