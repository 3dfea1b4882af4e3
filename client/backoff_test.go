package client

import (
	"errors"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	limited := &APIError{StatusCode: 503, Code: "too_many_streams", RetryAfter: 2 * time.Minute}
	tests := []struct {
		name      string
		base, max time.Duration
		failures  int
		err       error
		lo, hi    time.Duration // inclusive bounds of the wait
	}{
		{"first wait is the server's retry, plus up to half", 2 * time.Second, 30 * time.Second, 0, errEnded, 2 * time.Second, 3 * time.Second},
		{"doubles per failed attempt", time.Second, 30 * time.Second, 3, errors.New("refused"), 8 * time.Second, 12 * time.Second},
		{"up to the maximum", time.Second, 30 * time.Second, 40, errors.New("refused"), 30 * time.Second, 45 * time.Second},
		{"a retry above the maximum is honoured", time.Minute, 30 * time.Second, 2, errEnded, time.Minute, 90 * time.Second},
		{"Retry-After when longer", time.Second, 30 * time.Second, 0, limited, 2 * time.Minute, 150 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seen := map[time.Duration]bool{}
			for range 200 {
				d := backoff(tc.base, tc.max, tc.failures, tc.err)
				if d < tc.lo || d > tc.hi {
					t.Fatalf("backoff = %v, want within [%v, %v]", d, tc.lo, tc.hi)
				}
				seen[d] = true
			}
			if len(seen) < 10 {
				t.Fatalf("%d distinct waits in 200: no jitter", len(seen))
			}
		})
	}
}

// TestIDWindow: the window remembers the latest n ids, no more.
func TestIDWindow(t *testing.T) {
	t.Parallel()
	w := newIDWindow(3)
	for _, step := range []struct {
		id  string
		new bool
	}{{"a", true}, {"b", true}, {"a", false}, {"c", true}, {"d", true}, {"b", false}, {"a", true}, {"b", true}, {"d", false}, {"c", true}} {
		if got := w.add(step.id); got != step.new {
			t.Fatalf("add(%q) = %v, want %v", step.id, got, step.new)
		}
	}
}
