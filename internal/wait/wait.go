// Package wait polls a condition in a test until it holds or a deadline
// passes: the one way tests here wait for something they cannot be told
// about (a gauge, a stored count, a goroutine count), instead of sleeping.
//
// Only tests import it (internal/testclient's TestOnlyTestsImportInternal
// checks that), so it never reaches the binary or app.wasm.
package wait

import (
	"errors"
	"testing"
	"time"
)

// MaxInterval is the longest pause between two calls of a condition. The
// first pause is 1 ms and each one doubles up to MaxInterval, so that a
// condition about to hold is seen at once and one that takes seconds (an
// HTTP request per call, say) does not busy the machine.
const MaxInterval = 50 * time.Millisecond

// errNotYet is the failure of a condition of [For] that is still false.
var errNotYet = errors.New("condition still false")

// For calls cond until it returns true, and fails tb (Fatalf, naming what
// and timeout) when timeout passes first. cond is called at once, then
// after pauses that grow from 1 ms to [MaxInterval]; when a pause ends past
// the deadline cond is called once more before For gives up, so a condition
// that holds by the deadline never fails the test. cond runs on the caller's
// goroutine; For must be called from the test's goroutine, as Fatalf must.
func For(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	err := poll(timeout, func() error {
		if cond() {
			return nil
		}
		return errNotYet
	})
	if err != nil {
		tb.Fatalf("timed out after %v waiting for %s", timeout, what)
	}
}

// ForNil is [For] for a check that says why it does not hold yet: it calls
// check until it returns nil, and when timeout passes first fails tb with
// the last error check returned, so the failure shows the state it ended in
// (e.g. "3 streams open, want 1").
func ForNil(tb testing.TB, timeout time.Duration, check func() error) {
	tb.Helper()
	if err := poll(timeout, check); err != nil {
		tb.Fatalf("timed out after %v: %v", timeout, err)
	}
}

// poll calls check with growing pauses until it returns nil (poll returns
// nil) or, at a call made past the deadline, returns an error (poll returns
// that error).
func poll(timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	pause := time.Millisecond
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(pause)
		pause = min(2*pause, MaxInterval)
	}
}
