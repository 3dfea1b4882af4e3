package history

import "sort"

// Page returns up to max retained messages of room with a seq above after,
// in ascending order: a replay reads its backlog one page at a time, so
// that what it holds is bounded by max however long the backlog is. It
// returns ErrGap under the rule of [Index.After] (the room is full and
// after is older than its oldest entry, the log lost entries above after,
// or after is beyond the last seq),
// so a replay whose room was trimmed past its position between two pages
// learns of it rather than skipping messages. Any other error means the
// page could not be read (the caller ends the replay and the client
// resumes later). Safe for concurrent use; the entries' JSON is shared and
// must not be modified.
func (x *Index) Page(roomName string, after uint64, max int) ([]Entry, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	r, err := x.resumeLocked(roomName, after)
	if r == nil || err != nil || max < 1 {
		return nil, err
	}
	i := sort.Search(len(r.entries), func(i int) bool { return r.entries[i].Seq > after })
	end := min(len(r.entries), i+max)
	return append([]Entry(nil), r.entries[i:end]...), nil
}

// Backlog returns how many retained messages of room have a seq above
// after and the total length of their JSON encodings: what a replay from
// after would send, for a caller to decide before sending any of it. It
// returns ErrGap under the rule of [Index.After]. Safe for concurrent use.
func (x *Index) Backlog(roomName string, after uint64) (messages, bytes int, err error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	r, err := x.resumeLocked(roomName, after)
	if r == nil || err != nil {
		return 0, 0, err
	}
	i := sort.Search(len(r.entries), func(i int) bool { return r.entries[i].Seq > after })
	for _, e := range r.entries[i:] {
		bytes += len(e.JSON)
	}
	return len(r.entries) - i, bytes, nil
}

// resumeLocked returns the room a resume from after reads (nil: none) or
// ErrGap, as [Index.After] decides. The caller holds x.mu.
func (x *Index) resumeLocked(roomName string, after uint64) (*room, error) {
	if after > x.last || after < x.lostUpTo {
		return nil, ErrGap
	}
	r := x.rooms[roomName]
	if r == nil {
		return nil, nil
	}
	if r.slots() >= x.limit && after < r.oldest()-1 {
		return nil, ErrGap
	}
	return r, nil
}
