package server

import (
	"fmt"
	"os"
	"sync"
	"time"
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
	r, w     *os.File
	maxDelay time.Duration // a step waits no longer than this for the poller
	timer    *time.Timer   // takes the steps after maxDelay

	mu  sync.Mutex
	due []stepDue // guarded by mu
}

// stepMaxDelay bounds how long a step waits for the poller: the process
// may never run out of goroutines to run, and the runtime then polls the
// network only every 10 ms, which a sweep of many shards would wait each
// time.
const stepMaxDelay = time.Millisecond

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
	s := &stepper{r: r, w: w, maxDelay: stepMaxDelay}
	s.timer = time.AfterFunc(time.Hour, s.take)
	s.timer.Stop()
	go s.run()
	return s, nil
}

// add has token h's sweep of f go on from slot from, once the process is
// idle. It never blocks.
func (s *stepper) add(f *feed, h *handOut, from int) {
	s.mu.Lock()
	wake := len(s.due) == 0
	s.due = append(s.due, stepDue{f, h, from})
	if wake {
		s.timer.Reset(s.maxDelay)
	}
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
		s.take()
	}
}

// take moves on the sweeps due, each on a goroutine of its own: r3labs's
// Publish waits while a shard's buffer is full, and the other feeds must
// not. The poller's wake-up and the timer may both call it; the second
// finds nothing due.
func (s *stepper) take() {
	s.mu.Lock()
	due := s.due
	s.due = nil
	s.timer.Stop()
	s.mu.Unlock()
	for _, d := range due {
		go d.f.advance(d.h, d.from)
	}
}

// close stops the stepper; steps still due are dropped (the streams are
// ending).
func (s *stepper) close() {
	s.timer.Stop()
	s.w.Close()
	s.r.Close()
}
