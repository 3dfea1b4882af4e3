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

// reportLost finds, among the unseen ranges, the entries that are gone
// without the log's limits or the Store having removed them, and logs them
// at ERROR with their counts before passing them to lost. JetStream counts
// an entry it could not read from its files as deleted, like one removed
// by a limit or a purge, so a deleted entry counts as removed only when
// something explains it: it lies below the first entry of a room holding
// its full History (that room's limit removed it), or its id was taken by
// a probe write (recorded in DataDir/chat-probes). Everything else is
// reported: a false report only makes a client reload.
func (s *Store) reportLost(ctx context.Context, g *gapTracker, lost func(first, last, count uint64)) {
	unseen := g.candidates()
	if len(unseen) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	brief, err := s.stream.Info(ctx)
	if err != nil {
		s.log.Error("cannot check the chat log for lost entries", "err", err)
		return
	}
	trimmed := s.trimmedBelow(ctx)
	probes := s.probes.ranges()
	// The list of deleted ids can be long: ask for it only when some
	// unseen entry is neither explained as removed nor counted deleted.
	var unseenCount uint64
	unexplained := false
	for _, r := range unseen {
		first := max(r.first, brief.State.FirstSeq)
		if first > r.last {
			continue
		}
		unseenCount += r.last - first + 1
		if from := max(first, trimmed); from <= r.last && !covered(probes, from, r.last) {
			unexplained = true
		}
	}
	if unseenCount == 0 || (!unexplained && brief.State.Lost == nil && unseenCount <= uint64(brief.State.NumDeleted)) {
		return
	}
	info, err := s.stream.Info(ctx, jetstream.WithDeletedDetails(true))
	if err != nil {
		s.log.Error("cannot check the chat log for lost entries", "err", err)
		return
	}
	// removed: the deleted ids that were removed, not lost. Those that
	// JetStream itself says it lost never are.
	var known map[uint64]bool
	if info.State.Lost != nil {
		known = make(map[uint64]bool, len(info.State.Lost.Msgs))
		for _, seq := range info.State.Lost.Msgs {
			known[seq] = true
		}
	}
	removed := make([]uint64, 0, len(info.State.Deleted))
	for _, seq := range info.State.Deleted {
		if !known[seq] && (seq < trimmed || inRanges(probes, seq)) {
			removed = append(removed, seq)
		}
	}
	slices.Sort(removed)
	var ranges, total uint64
	for _, r := range unseen {
		first := max(r.first, info.State.FirstSeq) // below: removed by the limits
		if first > r.last {
			continue
		}
		n := r.last - first + 1 - countIn(removed, first, r.last)
		if n > 0 {
			n -= min(n, s.otherSubjects(ctx, first, r.last))
		}
		if n == 0 {
			continue
		}
		first, last := trimDeleted(removed, first, r.last)
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

// trimmedBelow returns the highest first sequence among the rooms that
// hold their full History: JetStream removes a room's oldest entry only
// when a new one would take it past its limit, so every entry removed that
// way lies below the first one its room keeps. A room whose first entry
// cannot be read does not count (its removals are then reported).
func (s *Store) trimmedBelow(ctx context.Context) uint64 {
	info, err := s.stream.Info(ctx, jetstream.WithSubjectFilter(chatWildcard))
	if err != nil {
		s.log.Warn("cannot find the full rooms of the chat log", "err", err)
		return 0
	}
	var below uint64
	for subject, n := range info.State.Subjects {
		if n < uint64(s.cfg.History) {
			continue
		}
		m, err := s.stream.GetMsg(ctx, max(info.State.FirstSeq, 1), jetstream.WithGetMsgSubject(subject))
		if err == nil {
			below = max(below, m.Sequence)
		}
	}
	return below
}

// trimDeleted narrows [first, last] to its first and last entries not in
// the sorted removed seqs (there is at least one).
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
