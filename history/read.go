package history

import (
	"fmt"
	"sort"

	tt "tickertalk/app"
)

// after returns the metas of room above after, at most max (max < 0: all),
// or ErrGap under the rule of After.
func (x *Index) after(roomName string, after uint64, max int) ([]meta, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	r := x.rooms[roomName]
	if x.gap(r, after) {
		return nil, ErrGap
	}
	if r == nil {
		return nil, nil
	}
	i := sort.Search(len(r.metas), func(i int) bool { return r.metas[i].seq > after })
	end := len(r.metas)
	if max >= 0 {
		end = min(end, i+max)
	}
	return append([]meta(nil), r.metas[i:end]...), nil
}

// After returns the retained messages of room with a seq above after, in
// order. It returns ErrGap when messages above after may have been dropped
// (the room is full and after is older than its oldest entry, or the log
// discarded messages of the room above after, or after is older than
// anything the log holds and than the room's oldest entry) or when after is
// beyond the last seq the index has seen. It reads the messages the cache
// does not hold from the source; when that fails the error wraps both the
// failure and ErrGap, so that a caller that knows only ErrGap sends the
// client to reload history rather than skip.
func (x *Index) After(roomName string, after uint64) ([]Entry, error) {
	metas, err := x.after(roomName, after, -1)
	if err != nil || len(metas) == 0 {
		return nil, err
	}
	out, missing, err := x.load(roomName, metas)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrGap, err)
	}
	if missing > 0 {
		return nil, ErrGap
	}
	return out, nil
}

// Before returns up to limit messages of room with a seq below before (all
// when before is 0), oldest first, and whether older ones remain. Messages
// the log turns out to have discarded are left out. The error wraps the
// source's when the log could not be read.
func (x *Index) Before(roomName string, before uint64, limit int) ([]tt.ChatMessage, bool, error) {
	entries, more, err := x.BeforeEntries(roomName, before, limit)
	if err != nil {
		return nil, false, err
	}
	out := make([]tt.ChatMessage, 0, len(entries))
	for _, e := range entries {
		if e.IsMessage() {
			out = append(out, e.Msg)
		}
	}
	return out, more, nil
}

// BeforeEntries is the scrollback page of room below before (0: from the
// newest): up to limit messages, oldest first, with the events of the
// other durable kinds in the page's id range among them in log order, and
// whether older entries remain. The range runs from the page's oldest
// message (from the room's oldest entry when no older message remains) up
// to before, so that consecutive pages, each asked before the oldest
// message of the last, hold every retained entry exactly once. Entries
// the log turns out to have discarded are left out. The error wraps the
// source's when the log could not be read.
func (x *Index) BeforeEntries(roomName string, before uint64, limit int) ([]Entry, bool, error) {
	metas, more := x.before(roomName, before, limit)
	if len(metas) == 0 {
		return []Entry{}, more, nil
	}
	entries, missing, err := x.load(roomName, metas)
	if err != nil {
		return nil, false, err
	}
	if missing > 0 {
		more = false // the older ones are gone too
	}
	return entries, more, nil
}

func (x *Index) before(roomName string, before uint64, limit int) ([]meta, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	r := x.rooms[roomName]
	if r == nil || limit < 1 {
		return nil, false
	}
	end := len(r.metas)
	if before > 0 {
		end = sort.Search(len(r.metas), func(i int) bool { return r.metas[i].seq >= before })
	}
	start, n := end, 0
	for start > 0 && n < limit {
		start--
		if !r.metas[start].event {
			n++
		}
	}
	older := false
	for i := start - 1; i >= 0 && !older; i-- {
		older = !r.metas[i].event
	}
	if !older {
		start = 0 // no older message: the page reaches back to the oldest entry
	}
	return append([]meta(nil), r.metas[start:end]...), start > 0
}

// Lookup returns the message the session sessionID sent with clientID,
// while retained. The error wraps the source's when the log could not be
// read.
func (x *Index) Lookup(sessionID, clientID string) (tt.ChatMessage, bool, error) {
	e, ok, err := x.LookupEntry(sessionID, "", clientID)
	return e.Msg, ok, err
}

// LookupEntry returns the durable event of kind ("": a message) that the
// session sessionID sent with clientID, while retained. The error wraps
// the source's when the log could not be read.
func (x *Index) LookupEntry(sessionID, kind, clientID string) (Entry, bool, error) {
	want := Entry{Kind: kind, Msg: tt.ChatMessage{ClientID: clientID}}.dedupClientID()
	key := x.keyHash(sessionID, want)
	x.mu.RLock()
	at, ok := x.clients[key]
	var m meta
	if ok {
		ok = false
		if r := x.rooms[at.room]; r != nil {
			i := sort.Search(len(r.metas), func(i int) bool { return r.metas[i].seq >= at.seq })
			if i < len(r.metas) && r.metas[i].seq == at.seq {
				m, ok = r.metas[i], true
			}
		}
	}
	x.mu.RUnlock()
	if !ok {
		return Entry{}, false, nil
	}
	entries, _, err := x.load(at.room, []meta{m})
	if err != nil {
		return Entry{}, false, err
	}
	// The key is a hash: the entry must really be the session's clientID.
	if len(entries) == 0 || entries[0].dedupClientID() != want || entries[0].Msg.Sender != sessionID {
		return Entry{}, false, nil
	}
	return entries[0], true, nil
}

// Entry returns the retained entry of room at seq, of any durable kind,
// and whether the room holds one there. The error wraps the source's when
// the log could not be read.
func (x *Index) Entry(roomName string, seq uint64) (Entry, bool, error) {
	x.mu.RLock()
	var m meta
	ok := false
	if r := x.rooms[roomName]; r != nil {
		i := sort.Search(len(r.metas), func(i int) bool { return r.metas[i].seq >= seq })
		if i < len(r.metas) && r.metas[i].seq == seq {
			m, ok = r.metas[i], true
		}
	}
	x.mu.RUnlock()
	if !ok {
		return Entry{}, false, nil
	}
	entries, _, err := x.load(roomName, []meta{m})
	if err != nil {
		return Entry{}, false, err
	}
	if len(entries) == 0 {
		return Entry{}, false, nil
	}
	return entries[0], true, nil
}
