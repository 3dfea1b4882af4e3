package wait

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestPollReturnsOnceTheCheckHolds(t *testing.T) {
	calls := 0
	start := time.Now()
	err := poll(10*time.Second, func() error {
		calls++
		if calls < 4 {
			return errNotYet
		}
		return nil
	})
	if err != nil || calls != 4 {
		t.Fatalf("poll = %v after %d calls, want nil after 4", err, calls)
	}
	// Pauses of 1, 2 and 4 ms: nowhere near the timeout.
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("poll took %v for three short pauses", took)
	}
}

func TestPollGivesUpWithTheLastErrorAfterTheDeadline(t *testing.T) {
	calls := 0
	start := time.Now()
	err := poll(30*time.Millisecond, func() error {
		calls++
		return fmt.Errorf("call %d", calls)
	})
	took := time.Since(start)
	if err == nil || err.Error() != fmt.Sprintf("call %d", calls) {
		t.Fatalf("poll = %v, want the error of the last of %d calls", err, calls)
	}
	if took < 30*time.Millisecond {
		t.Fatalf("poll gave up after %v, before its 30 ms deadline", took)
	}
}

// TestPollChecksOnceMoreAfterTheDeadline: a condition that became true
// while the last pause ran past the deadline is not reported as failed.
func TestPollChecksOnceMoreAfterTheDeadline(t *testing.T) {
	deadline := time.Now().Add(20 * time.Millisecond)
	err := poll(20*time.Millisecond, func() error {
		if time.Now().After(deadline) {
			return nil
		}
		return errNotYet
	})
	if err != nil {
		t.Fatalf("poll = %v, want nil: the check held at the call after the deadline", err)
	}
}

func TestPollNeverCallsAgainAfterSuccess(t *testing.T) {
	calls := 0
	if err := poll(time.Second, func() error { calls++; return nil }); err != nil || calls != 1 {
		t.Fatalf("poll = %v after %d calls, want nil after 1", err, calls)
	}
	if !errors.Is(poll(0, func() error { return errNotYet }), errNotYet) {
		t.Fatal("a zero timeout did not return the check's error")
	}
}
