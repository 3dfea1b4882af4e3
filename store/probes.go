package store

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// probesFile, under DataDir, lists the sequence ranges of the chat log
// that the Store's own probe writes took ("first last" per line). They are
// purged at once, and JetStream counts a purged entry like one it lost
// (both are deleted): the list is what tells them apart (see reportLost).
const probesFile = "chat-probes"

// maxProbeRanges bounds probesFile: the oldest ranges go first. Probes are
// rare (while the store cannot write, one a second, and when moving past a
// lost end), and consecutive ones merge into a range.
const maxProbeRanges = 4096

// probeLog records the ranges of probe writes in DataDir. Its methods are
// safe for concurrent use.
type probeLog struct {
	mu  sync.Mutex
	dir string // "": nothing is recorded
}

// add records that probe writes took first..last. A failure is returned
// for the caller to log: the probes are then reported lost later, which
// only makes clients that may have missed them reload.
func (p *probeLog) add(first, last uint64) error {
	if p.dir == "" || first == 0 || last < first {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ranges := readProbes(p.dir)
	if n := len(ranges); n > 0 && ranges[n-1].last+1 >= first && ranges[n-1].first <= first {
		ranges[n-1].last = max(ranges[n-1].last, last)
	} else {
		ranges = append(ranges, seqRange{first, last})
	}
	if len(ranges) > maxProbeRanges {
		ranges = ranges[len(ranges)-maxProbeRanges:]
	}
	var buf bytes.Buffer
	for _, r := range ranges {
		fmt.Fprintln(&buf, r.first, r.last)
	}
	return writeFileAtomic(p.dir, probesFile, buf.Bytes())
}

// ranges returns the recorded ranges, sorted by first sequence.
func (p *probeLog) ranges() []seqRange {
	if p.dir == "" {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return readProbes(p.dir)
}

// readProbes reads probesFile; a missing or damaged line is skipped (its
// probes are then reported lost).
func readProbes(dir string) []seqRange {
	data, err := os.ReadFile(filepath.Join(dir, probesFile))
	if err != nil {
		return nil
	}
	var ranges []seqRange
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var r seqRange
		if _, err := fmt.Sscan(sc.Text(), &r.first, &r.last); err == nil && r.first > 0 && r.first <= r.last {
			ranges = append(ranges, r)
		}
	}
	slices.SortFunc(ranges, func(a, b seqRange) int {
		switch {
		case a.first < b.first:
			return -1
		case a.first > b.first:
			return 1
		}
		return 0
	})
	return ranges
}

// inRanges reports whether seq lies in one of the sorted ranges.
func inRanges(ranges []seqRange, seq uint64) bool {
	i, _ := slices.BinarySearchFunc(ranges, seq, func(r seqRange, s uint64) int {
		switch {
		case r.last < s:
			return -1
		case r.first > s:
			return 1
		}
		return 0
	})
	return i < len(ranges) && ranges[i].first <= seq && seq <= ranges[i].last
}

// covered reports whether the sorted ranges hold every seq of first..last.
func covered(ranges []seqRange, first, last uint64) bool {
	for _, r := range ranges {
		if r.first > first {
			return false
		}
		if r.last >= first {
			if r.last >= last {
				return true
			}
			first = r.last + 1
		}
	}
	return false
}

// writeFileAtomic replaces dir/name with data.
func writeFileAtomic(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}
