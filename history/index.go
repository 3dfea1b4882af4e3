// Package history keeps the retained chat messages of every room in memory,
// in id order, for replay on reconnect, scrollback, the room list and
// idempotent sends.
//
// It is a projection of the chat log (JetStream), fed in log order by one
// follower; it bounds each room exactly as the log does, so it holds what the
// log holds and nothing else.
package history

import (
	"errors"
	"sort"
	"strconv"
	"sync"
	"time"

	tt "tickertalk/app"
)

// ErrGap reports that a resume point is older than the retained history of
// its room, or newer than anything the log has assigned: the messages in
// between cannot be replayed and the client must reload history.
var ErrGap = errors.New("history: resume point outside the retained history")

// Entry is one retained message with its id as a number and its JSON
// encoding, made once and shared by every connection that replays it.
type Entry struct {
	Seq  uint64
	Msg  tt.ChatMessage
	JSON []byte
}

type room struct {
	entries []Entry  // ascending Seq
	skipped []uint64 // ascending: log entries of the room not shown, see Skip
}

// slots is how many of the room's log entries the index accounts for.
func (r *room) slots() int { return len(r.entries) + len(r.skipped) }

// oldest is the seq of the room's oldest accounted log entry (0: none).
func (r *room) oldest() uint64 {
	switch {
	case len(r.entries) == 0 && len(r.skipped) == 0:
		return 0
	case len(r.skipped) == 0:
		return r.entries[0].Seq
	case len(r.entries) == 0:
		return r.skipped[0]
	}
	return min(r.entries[0].Seq, r.skipped[0])
}

// Index is safe for concurrent use. Add and Skip must be called from one
// goroutine, in log order.
type Index struct {
	limit int

	mu      sync.RWMutex
	rooms   map[string]*room
	clients map[string]sent // idempotency key -> where the message is
	last    uint64
	// lostUpTo is the highest seq of a log entry known lost (see Lost).
	lostUpTo uint64
}

// New returns an empty index that keeps at most limit messages per room.
func New(limit int) *Index {
	if limit < 1 {
		limit = tt.DefaultHistory
	}
	return &Index{limit: limit, rooms: make(map[string]*room), clients: make(map[string]sent)}
}

// sent locates a retained message by its idempotency key.
type sent struct {
	room string
	seq  uint64
}

// ClientKey is the idempotency key of a send: the id of the sending
// session (which a rename keeps) and the client's own id.
func ClientKey(sessionID, clientID string) string { return sessionID + "\x00" + clientID }

// Add appends e to its room and reports whether it was new. Entries at or
// below the last seq are ignored, so a follower that re-delivers cannot
// duplicate history.
func (x *Index) Add(e Entry) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if e.Seq <= x.last {
		return false
	}
	x.last = e.Seq
	r := x.room(e.Msg.Room)
	r.entries = append(r.entries, e)
	if e.Msg.ClientID != "" {
		x.clients[ClientKey(e.Msg.Sender, e.Msg.ClientID)] = sent{e.Msg.Room, e.Seq}
	}
	x.trim(r)
	return true
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
	x.last = seq
	r := x.room(roomName)
	r.skipped = append(r.skipped, seq)
	x.trim(r)
}

func (x *Index) room(name string) *room {
	r := x.rooms[name]
	if r == nil {
		r = &room{}
		x.rooms[name] = r
	}
	return r
}

// trim drops the room's oldest entries beyond the limit, as the log does.
func (x *Index) trim(r *room) {
	for r.slots() > x.limit {
		if len(r.skipped) > 0 && (len(r.entries) == 0 || r.skipped[0] < r.entries[0].Seq) {
			r.skipped = r.skipped[1:]
			continue
		}
		old := r.entries[0]
		if old.Msg.ClientID != "" {
			k := ClientKey(old.Msg.Sender, old.Msg.ClientID)
			if x.clients[k].seq == old.Seq {
				delete(x.clients, k)
			}
		}
		r.entries[0] = Entry{}
		r.entries = r.entries[1:]
	}
}

// Lost records that the log lost entries up to seq last (damaged or
// missing files), in rooms nobody can tell: a resume from before last may
// have missed one of them, so After answers ErrGap to it, in every room.
func (x *Index) Lost(first, last, count uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.lostUpTo = max(x.lostUpTo, last)
}

// Last returns the highest seq added so far (0 when empty).
func (x *Index) Last() uint64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.last
}

// After returns the retained messages of room with a seq above after, in
// order. It returns ErrGap when messages above after may have been dropped
// (the room is full and after is older than its oldest entry, or the log
// lost entries above after: see Lost) or when after is beyond the last seq
// the index has seen.
func (x *Index) After(roomName string, after uint64) ([]Entry, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if after > x.last || after < x.lostUpTo {
		return nil, ErrGap
	}
	r := x.rooms[roomName]
	if r == nil {
		return nil, nil
	}
	// A full room may have lost older messages: to this index's bound, or
	// to the log's before a restart, when the index was filled again from a
	// log already trimmed to the bound (so nothing was dropped here).
	if r.slots() >= x.limit && after < r.oldest()-1 {
		return nil, ErrGap
	}
	i := sort.Search(len(r.entries), func(i int) bool { return r.entries[i].Seq > after })
	return append([]Entry(nil), r.entries[i:]...), nil
}

// Before returns up to limit messages of room with a seq below before (all
// when before is 0), oldest first, and whether older ones remain.
func (x *Index) Before(roomName string, before uint64, limit int) ([]tt.ChatMessage, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	r := x.rooms[roomName]
	if r == nil || limit < 1 {
		return []tt.ChatMessage{}, false
	}
	end := len(r.entries)
	if before > 0 {
		end = sort.Search(len(r.entries), func(i int) bool { return r.entries[i].Seq >= before })
	}
	start := max(end-limit, 0)
	out := make([]tt.ChatMessage, 0, end-start)
	for _, e := range r.entries[start:end] {
		out = append(out, e.Msg)
	}
	return out, start > 0
}

// Lookup returns the message the session sessionID sent with clientID,
// while retained.
func (x *Index) Lookup(sessionID, clientID string) (tt.ChatMessage, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	at, ok := x.clients[ClientKey(sessionID, clientID)]
	if !ok {
		return tt.ChatMessage{}, false
	}
	r := x.rooms[at.room]
	if r == nil {
		return tt.ChatMessage{}, false
	}
	i := sort.Search(len(r.entries), func(i int) bool { return r.entries[i].Seq >= at.seq })
	if i < len(r.entries) && r.entries[i].Seq == at.seq {
		return r.entries[i].Msg, true
	}
	return tt.ChatMessage{}, false
}

// RoomSummary is what the index knows of one room.
type RoomSummary struct {
	Name          string
	LastMessageAt time.Time
}

// Rooms lists every room with retained messages, by name.
func (x *Index) Rooms() []RoomSummary {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]RoomSummary, 0, len(x.rooms))
	for name, r := range x.rooms {
		n := len(r.entries)
		if n == 0 {
			continue // only entries that are not messages
		}
		out = append(out, RoomSummary{Name: name, LastMessageAt: r.entries[n-1].Msg.Time})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ParseID parses a message id (a decimal sequence, no sign, no leading
// zeros beyond "0"); ok is false for anything else.
func ParseID(s string) (uint64, bool) {
	if s == "" || len(s) > 20 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}
