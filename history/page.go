package history

import "sort"

// Page returns up to max retained messages of room with a seq above after,
// ascending: the first page of what [Index.After] would return, read from
// the cache or, for what it no longer holds, from the source (Page may
// then wait for the log, up to the index's load timeout). It returns
// ErrGap under the same rule as After, also when the log turns out to have
// discarded messages of the page; a failed read of the log returns an
// error that wraps the source's and not ErrGap. max below 1 returns
// nothing.
func (x *Index) Page(room string, after uint64, max int) ([]Entry, error) {
	if max < 1 {
		max = 0
	}
	metas, err := x.after(room, after, max)
	if err != nil || len(metas) == 0 {
		return nil, err
	}
	out, missing, err := x.load(room, metas)
	if err != nil {
		return nil, err
	}
	if missing > 0 {
		return nil, ErrGap
	}
	return out, nil
}

// Backlog returns how many retained messages of room have a seq above
// after and the total length of their JSON encodings: what a replay from
// after would send, for a caller to decide before sending any of it. It
// reads only the index's metadata, never the log. It returns ErrGap under
// the rule of [Index.After]. Safe for concurrent use.
func (x *Index) Backlog(room string, after uint64) (messages, bytes int, err error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	r := x.rooms[room]
	if x.gap(r, after) {
		return 0, 0, ErrGap
	}
	if r == nil {
		return 0, 0, nil
	}
	i := sort.Search(len(r.metas), func(i int) bool { return r.metas[i].seq > after })
	for _, m := range r.metas[i:] {
		bytes += int(m.size)
	}
	return len(r.metas) - i, bytes, nil
}
