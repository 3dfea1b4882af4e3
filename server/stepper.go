package server

import (
	"fmt"
	"os"
	"sync"
)

// stepper moves sweeps on to their next shard once the process has
// nothing else to run. Go's scheduler looks for goroutines the network
// made ready (a request's bytes, an accept) only when it has no other
// goroutine to run, or every 10 ms: a sweep that went on at once would
// keep it busy from its first shard to its last, and a POST /send, a
// health check, an accept, would wait for all of them. So a step due is
// signalled through a pipe, which the runtime's network poller watches
// like any socket: the stepper's goroutine is made ready with the
// requests that came in during the last shard's hand-out, and the next
// shard's goroutines queue behind them. Safe for concurrent use.
type stepper struct {
	r, w *os.File

	mu    sync.Mutex
	due   []stepDue // guarded by mu
	spare []stepDue // owned by run
}

// stepDue is a sweep to move on: token h, from the shard at slot from.
type stepDue struct {
	f    *feed
	h    *handOut
	from int
}

// newStepper starts a stepper; close stops it. It fails only when the
// process is out of file descriptors: the hub then moves sweeps on at
// once.
func newStepper() (*stepper, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("stepper pipe: %w", err)
	}
	s := &stepper{r: r, w: w}
	go s.run()
	return s, nil
}

// add has token h's sweep of f go on from slot from, once the process is
// idle. It never blocks.
func (s *stepper) add(f *feed, h *handOut, from int) {
	s.mu.Lock()
	wake := len(s.due) == 0
	s.due = append(s.due, stepDue{f, h, from})
	s.mu.Unlock()
	if wake {
		// One byte per wake-up, read before the steps are taken: the
		// pipe never holds more than a few, so the write never blocks.
		_, _ = s.w.Write([]byte{0})
	}
}

func (s *stepper) run() {
	buf := make([]byte, 64)
	for {
		if _, err := s.r.Read(buf); err != nil {
			return // closed
		}
		s.mu.Lock()
		due := s.due
		s.due = s.spare[:0]
		s.mu.Unlock()
		for _, d := range due {
			// On a goroutine of its own: r3labs's Publish waits while
			// a shard's buffer is full, and the other feeds must not.
			go d.f.advance(d.h, d.from)
		}
		clear(due)
		s.spare = due
	}
}

// close stops the stepper; steps still due are dropped (the streams are
// ending).
func (s *stepper) close() {
	s.w.Close()
	s.r.Close()
}
