package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// seqRange is an inclusive range of stream sequences.
type seqRange struct{ first, last uint64 }

// gapTracker collects, while a follower catches up, the ranges of the log
// it did not see: entries removed by the log's limits, on other subjects,
// or lost.
type gapTracker struct {
	prev   uint64 // last sequence seen, or the first one's predecessor
	target uint64
	gaps   []seqRange
	seen   map[string]uint64 // entries seen per subject
}

func newGapTracker(first, target uint64) *gapTracker {
	return &gapTracker{prev: max(first, 1) - 1, target: target, seen: make(map[string]uint64)}
}

// saw records that the follower saw the entry at seq on subject, in
// stream order.
func (g *gapTracker) saw(seq uint64, subject string) {
	if seq > g.prev+1 {
		g.gaps = append(g.gaps, seqRange{g.prev + 1, seq - 1})
	}
	g.prev = max(g.prev, seq)
	g.seen[subject]++
}

// candidates returns the unseen ranges up to the target.
func (g *gapTracker) candidates() []seqRange {
	if g.target > g.prev {
		return append(g.gaps, seqRange{g.prev + 1, g.target})
	}
	return g.gaps
}

// reportLost finds, among the unseen ranges, the entries the log still
// counts as present (so they were not removed by its limits, and a reader
// cannot read them) and logs them at ERROR with their counts before
// passing them to lost.
func (s *Store) reportLost(ctx context.Context, g *gapTracker, lost func(first, last, count uint64)) {
	unseen := g.candidates()
	if len(unseen) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// The list of deleted ids can be long: ask for it only when the
	// counts say that some unseen entry was not deleted.
	brief, err := s.stream.Info(ctx)
	if err != nil {
		s.log.Error("cannot check the chat log for lost entries", "err", err)
		return
	}
	var unseenCount uint64
	for _, r := range unseen {
		if first := max(r.first, brief.State.FirstSeq); first <= r.last {
			unseenCount += r.last - first + 1
		}
	}
	if unseenCount <= uint64(brief.State.NumDeleted) {
		return
	}
	info, err := s.stream.Info(ctx, jetstream.WithDeletedDetails(true))
	if err != nil {
		s.log.Error("cannot check the chat log for lost entries", "err", err)
		return
	}
	deleted := slices.Clone(info.State.Deleted)
	slices.Sort(deleted)
	var ranges, total uint64
	for _, r := range unseen {
		first := max(r.first, info.State.FirstSeq) // below: removed by the limits
		if first > r.last {
			continue
		}
		n := r.last - first + 1 - countIn(deleted, first, r.last)
		if n > 0 {
			n -= min(n, s.otherSubjects(ctx, first, r.last))
		}
		if n == 0 {
			continue
		}
		first, last := trimDeleted(deleted, first, r.last)
		ranges++
		total += n
		s.log.Error("the chat log lost entries: damaged or missing files; clients that may have missed them reload",
			"first", first, "last", last, "lost", n)
		if lost != nil {
			lost(first, last, n)
		}
	}
	if total > 0 {
		s.log.Error("the chat log lost entries in total", "ranges", ranges, "lost", total)
		s.findDamagedRooms(ctx, g.seen)
	}
}

// trimDeleted narrows [first, last] to its first and last entries not in
// the sorted deleted seqs (there is at least one).
func trimDeleted(deleted []uint64, first, last uint64) (uint64, uint64) {
	i, _ := slices.BinarySearch(deleted, first)
	for i < len(deleted) && deleted[i] == first && first < last {
		first, i = first+1, i+1
	}
	j, found := slices.BinarySearch(deleted, last)
	for found && last > first {
		last, j = last-1, j-1
		found = j >= 0 && deleted[j] == last
	}
	return first, last
}

// findDamagedRooms marks the rooms whose subject holds more entries than
// the follower saw: an entry there cannot be read, and writes to the room
// will land without an acknowledgement once it is full (see landed).
func (s *Store) findDamagedRooms(ctx context.Context, seen map[string]uint64) {
	info, err := s.stream.Info(ctx, jetstream.WithSubjectFilter(chatWildcard))
	if err != nil {
		s.log.Warn("cannot find the rooms of the lost entries", "err", err)
		return
	}
	for subject, n := range info.State.Subjects {
		if n > seen[subject] {
			room, _ := strings.CutPrefix(subject, chatPrefix)
			s.markDamaged(room, fmt.Errorf("%d of its %d entries cannot be read", n-seen[subject], n))
		}
	}
}

// countIn counts the sorted seqs within [first, last].
func countIn(sorted []uint64, first, last uint64) uint64 {
	lo, _ := slices.BinarySearch(sorted, first)
	hi, _ := slices.BinarySearch(sorted, last+1)
	return uint64(hi - lo)
}

// otherSubjects counts the readable entries in [first, last] that are not
// on chat.> (probe writes not yet purged), which a follower never sees.
func (s *Store) otherSubjects(ctx context.Context, first, last uint64) uint64 {
	m, err := s.stream.GetMsg(ctx, first, jetstream.WithGetMsgSubject(probeSubject))
	var n uint64
	for err == nil && m.Sequence <= last {
		n++
		m, err = s.stream.GetMsg(ctx, m.Sequence+1, jetstream.WithGetMsgSubject(probeSubject))
	}
	return n
}
