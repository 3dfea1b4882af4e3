package store

import (
	"fmt"
	"testing"
)

// TestProbeLogMergesAndAnswersCoverage: consecutive probe writes merge into
// one range, kept across a new probeLog on the same dir, and covered and
// inRanges answer from them.
func TestProbeLogMergesAndAnswersCoverage(t *testing.T) {
	dir := t.TempDir()
	p := &probeLog{dir: dir}
	for _, r := range []seqRange{{5, 5}, {6, 6}, {7, 9}, {20, 20}} {
		if err := p.add(r.first, r.last); err != nil {
			t.Fatal(err)
		}
	}
	ranges := (&probeLog{dir: dir}).ranges()
	if got, want := fmt.Sprint(ranges), "[{5 9} {20 20}]"; got != want {
		t.Fatalf("ranges %s, want %s", got, want)
	}
	for _, c := range []struct {
		first, last uint64
		covered     bool
	}{
		{5, 9, true}, {6, 8, true}, {20, 20, true},
		{4, 5, false}, {9, 10, false}, {5, 20, false}, {21, 21, false}, {1, 1, false},
	} {
		if got := covered(ranges, c.first, c.last); got != c.covered {
			t.Errorf("covered(%d, %d) = %v, want %v", c.first, c.last, got, c.covered)
		}
		if c.first == c.last {
			if got := inRanges(ranges, c.first); got != c.covered {
				t.Errorf("inRanges(%d) = %v, want %v", c.first, got, c.covered)
			}
		}
	}
	if err := (&probeLog{}).add(1, 1); err != nil || len((&probeLog{}).ranges()) != 0 {
		t.Errorf("a probeLog without a dir records: %v", err)
	}
}
