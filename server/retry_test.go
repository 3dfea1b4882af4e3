package server

import (
	"bytes"
	"strconv"
	"testing"
	"time"
)

// TestAppendRetrySpreadsReconnections: every value is one retry field
// line, not a block of its own, within [retryBase, retryBase+retryJitter), and 1,000 connections
// do not all get the same one (the point is to spread them): at least 20
// of the 30 tenths of a second in the jitter are drawn.
func TestAppendRetrySpreadsReconnections(t *testing.T) {
	seen := map[int]bool{}
	for range 1000 {
		b := appendRetry(nil)
		rest, ok := bytes.CutPrefix(b, []byte("retry: "))
		if !ok || !bytes.HasSuffix(rest, []byte("\n")) || bytes.HasSuffix(rest, []byte("\n\n")) {
			t.Fatalf("not a retry block: %q", b)
		}
		ms, err := strconv.Atoi(string(bytes.TrimSuffix(rest, []byte("\n"))))
		if err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		d := time.Duration(ms) * time.Millisecond
		if d < retryBase || d >= retryBase+retryJitter {
			t.Fatalf("retry %v outside [%v, %v)", d, retryBase, retryBase+retryJitter)
		}
		seen[ms/100] = true
	}
	if len(seen) < 20 {
		t.Errorf("1,000 connections got only %d distinct tenths of a second in 3 s", len(seen))
	}
}

// TestAppendRetryWithoutAllocating: in a buffer with room (the pooled
// preamble buffer) it allocates nothing.
func TestAppendRetryWithoutAllocating(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector; make test-alloc runs this without it")
	}
	buf := make([]byte, 0, 64)
	if allocs := testing.AllocsPerRun(100, func() { buf = appendRetry(buf[:0]) }); allocs != 0 {
		t.Errorf("appendRetry allocates %v times, want 0", allocs)
	}
}
