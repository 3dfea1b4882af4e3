package history

import (
	"context"
	"fmt"
	"sort"
)

// Source reads retained durable events back from the log for an [Index]
// whose cache no longer holds them.
type Source interface {
	// Entries returns, ascending and at most max, the durable events of
	// every kind of room with a seq from from to to (both included), as
	// [Entry] values: Msg.ID set, JSON as clients see it (a message's
	// without its clientId). An event the log no longer holds (or cannot
	// decode) is left out; an error means the log could not be read.
	Entries(ctx context.Context, room string, from, to uint64, max int) ([]Entry, error)
}

// loadBatch is the most messages asked of the source at once.
const loadBatch = 256

// load returns the entries of room at the seqs of metas (ascending), from
// the cache or else from the source, and the highest seq that the log no
// longer holds (0: none). It must be called without x.mu held: it may
// wait for the source.
func (x *Index) load(roomName string, metas []meta) ([]Entry, uint64, error) {
	out := make([]Entry, 0, len(metas))
	var missing uint64
	for i := 0; i < len(metas); {
		e, ok := x.cache.get(metas[i].seq)
		if ok {
			out = append(out, e)
			i++
			continue
		}
		// A run of misses, read in one request.
		j := i + 1
		for j < len(metas) && j-i < loadBatch {
			if _, ok := x.cache.get(metas[j].seq); ok {
				break
			}
			j++
		}
		got, err := x.fetch(roomName, metas[i:j])
		if err != nil {
			return nil, 0, err
		}
		for _, m := range metas[i:j] {
			k := sort.Search(len(got), func(k int) bool { return got[k].Seq >= m.seq })
			if k < len(got) && got[k].Seq == m.seq {
				out = append(out, got[k])
				continue
			}
			missing = max(missing, m.seq)
		}
		i = j
	}
	if missing > 0 {
		x.lose(roomName, missing)
		// Everything up to missing is gone from the log, as the log
		// discards a room's oldest first.
		k := sort.Search(len(out), func(k int) bool { return out[k].Seq > missing })
		out = out[k:]
	}
	return out, missing, nil
}

// fetch reads the messages at the seqs of metas (ascending, not cached)
// from the source and caches them.
func (x *Index) fetch(roomName string, metas []meta) ([]Entry, error) {
	if x.src == nil {
		return nil, nil // nothing was ever evicted: they are gone
	}
	ctx, cancel := context.WithTimeout(context.Background(), x.timeout)
	defer cancel()
	from, to := metas[0].seq, metas[len(metas)-1].seq
	got, err := x.src.Entries(ctx, roomName, from, to, len(metas))
	if err != nil {
		return nil, fmt.Errorf("history: read %s %d-%d from the log: %w", roomName, from, to, err)
	}
	out := make([]Entry, 0, len(got))
	for _, e := range got {
		if e.Msg.Room != roomName || e.Seq < from || e.Seq > to || len(e.JSON) == 0 {
			continue
		}
		x.cache.put(e)
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}

// lose records that the log no longer holds the room's messages up to
// seq (a discard the index has not heard of through Discarded yet): they
// are forgotten, and a resume from before seq is a gap.
func (x *Index) lose(roomName string, seq uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	r := x.rooms[roomName]
	if r == nil {
		return
	}
	r.lost = max(r.lost, seq)
	for len(r.metas) > 0 && r.metas[0].seq <= seq {
		x.dropOldest(r)
	}
	i := sort.Search(len(r.skipped), func(i int) bool { return r.skipped[i] > seq })
	r.skipped = r.skipped[i:]
}
